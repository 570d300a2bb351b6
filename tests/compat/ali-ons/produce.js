'use strict';
// Sends --count messages with ali-ons' Producer through a Quiver name server.
// Message i: body "<prefix>-<i>", tag --tag, keys ["key-<i>", "<prefix>key-<i>"] (KEYS is
// space-separated), user properties {"prop-a": "value-<i>", "prop-b": "<prefix> ü ✓"}.
// stdout: one JSON line per send result; exit 0 only if every send is SEND_OK.
const { Producer, Message } = require('ali-ons');
const { parseArgs, baseOptions, withTimeout } = require('./common');

const opt = parseArgs(process.argv.slice(2), {
  namesrv: null, topic: null, count: 1, tag: 'TagA', prefix: 'ali', start: 0,
  group: 'ALI_ONS_COMPAT_PRODUCER', timeout: 60000,
});

async function main() {
  const producer = new Producer({ ...baseOptions(opt.namesrv), producerGroup: opt.group });
  producer.on('error', err => console.error('producer error:', err.name, err.message));
  await withTimeout(producer.ready(), 15000, 'producer.ready()');
  let failed = 0;
  for (let i = opt.start; i < opt.start + opt.count; i++) {
    const msg = new Message(opt.topic, opt.tag, `${opt.prefix}-${i}`);
    msg.keys = [ `key-${i}`, `${opt.prefix}key-${i}` ];
    msg.properties['prop-a'] = `value-${i}`;
    msg.properties['prop-b'] = `${opt.prefix} \u00fc \u2713`;
    try {
      const r = await withTimeout(producer.send(msg), 10000, `send ${i}`);
      console.log(JSON.stringify({
        i, body: `${opt.prefix}-${i}`, sendStatus: r.sendStatus, msgId: r.msgId,
        brokerName: r.messageQueue && r.messageQueue.brokerName,
        queueId: r.messageQueue && Number(r.messageQueue.queueId), queueOffset: Number(r.queueOffset),
      }));
      if (r.sendStatus !== 'SEND_OK') failed++;
    } catch (err) {
      failed++;
      console.error(`send ${i} failed: ${err.name}: ${err.message}`);
    }
  }
  console.error(`produce.js: sent ${opt.count - failed}/${opt.count} to ${opt.topic}`);
  // ali-ons' close() keeps sockets of shared clients open: exit explicitly.
  await withTimeout(producer.close(), 5000, 'producer.close()').catch(e => console.error(e.message));
  process.exit(failed === 0 ? 0 : 1);
}

withTimeout(main(), opt.timeout, 'produce.js').catch(err => {
  console.error('produce.js FAILED:', err.name, '-', err.message);
  process.exit(1);
});
