'use strict';
// Consumes --topic as cluster-mode group --group with ali-ons' push Consumer through a
// Quiver name server, until --count messages arrived (then lingers --linger ms to catch
// duplicates) or --timeout ms passed. Before exiting it persists the consumer offsets to
// the broker (UPDATE_CONSUMER_OFFSET, as ali-ons' close() does) and reads them back with
// QUERY_CONSUMER_OFFSET.
// stdout, one JSON object per line:
//   {"type":"msg","body","keys","tags","properties"(user ones),"topic","queueId","queueOffset","msgId","reconsumeTimes"}
//   {"type":"offset","topic","brokerName","queueId","committed"}   (read back from the broker)
// exit 0 iff at least --count messages arrived (the caller checks for extras).
const { Consumer } = require('ali-ons');
const { parseArgs, baseOptions, sleep, withTimeout } = require('./common');

const opt = parseArgs(process.argv.slice(2), {
  namesrv: null, topic: null, group: null, count: 1, timeout: 30000, linger: 1500,
  from: 'first', // first | last: consumeFromWhere for a group without committed offsets
  tag: '*',
});

// Properties RocketMQ sets itself; everything else is a user property.
const SYSTEM_PROPS = new Set([
  'TAGS', 'KEYS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG',
  'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG',
  'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'MSG_REGION', 'TRACE_ON', 'UNIQ_KEY',
  'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', '__STARTDELIVERTIME', 'CLUSTER',
]);

async function main() {
  const consumer = new Consumer({
    ...baseOptions(opt.namesrv),
    consumerGroup: opt.group,
    consumeFromWhere: opt.from === 'last' ? 'CONSUME_FROM_LAST_OFFSET' : 'CONSUME_FROM_FIRST_OFFSET',
  });
  const errors = [];
  consumer.on('error', err => {
    // QUERY_CONSUMER_OFFSET answering "not found" for a new group is expected noise.
    errors.push(`${err.name}: ${err.message}`);
    if (process.env.ALI_ONS_VERBOSE) console.error('consumer error:', err.name, err.message);
  });

  let received = 0;
  let resolveDone;
  const done = new Promise(r => { resolveDone = r; });
  consumer.subscribe(opt.topic, opt.tag, async msg => {
    const properties = {};
    for (const [k, v] of Object.entries(msg.properties || {})) {
      if (k !== '' && !SYSTEM_PROPS.has(k)) properties[k] = v; // '' : ali-ons splits the trailing separator
    }
    console.log(JSON.stringify({
      type: 'msg', body: msg.body ? msg.body.toString() : null,
      keys: msg.keys === undefined ? null : msg.keys, tags: msg.tags === undefined ? null : msg.tags,
      properties, topic: msg.topic, queueId: msg.queueId, queueOffset: Number(msg.queueOffset),
      msgId: msg.msgId, reconsumeTimes: msg.reconsumeTimes,
    }));
    if (++received === opt.count) resolveDone();
  });
  await withTimeout(consumer.ready(), 15000, 'consumer.ready()');

  await Promise.race([ done, sleep(opt.timeout) ]);
  // Linger: duplicates would show up as extra lines; also lets the consume loop record the
  // last offsets (it does so after the handler returned).
  await sleep(opt.linger);

  // The queues this consumer owns (close() clears the table).
  const queues = [];
  for (const { messageQueue } of consumer._processQueueTable.values()) {
    if (messageQueue.topic === opt.topic) queues.push(messageQueue);
  }
  // close() persists every owned queue's offset (UPDATE_CONSUMER_OFFSET, sent oneway) and
  // unregisters the client.
  await withTimeout(consumer.close(), 10000, 'consumer.close()');
  await sleep(500); // the oneway writes leave the socket

  // Read the committed offsets back from the broker.
  const store = consumer._offsetStore;
  for (const mq of queues.sort((a, b) => a.queueId - b.queueId)) {
    let committed;
    try {
      committed = await withTimeout(store.fetchConsumeOffsetFromBroker(mq), 5000, 'QUERY_CONSUMER_OFFSET');
    } catch (err) {
      committed = `error: ${err.message}`;
    }
    console.log(JSON.stringify({ type: 'offset', topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId, committed }));
  }
  console.error(`consume.js: received ${received} (wanted ${opt.count}) from ${opt.topic} for ${opt.group}` +
    (errors.length ? `; ${errors.length} client error events, first: ${errors[0]}` : ''));
  process.exit(received >= opt.count ? 0 : 1);
}

main().catch(err => {
  console.error('consume.js FAILED:', err.name, '-', err.message);
  process.exit(1);
});
