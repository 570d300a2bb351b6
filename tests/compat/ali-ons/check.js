'use strict';
// Assertions over the JSON lines of produce.js / consume.js, used by run_test.sh.
// Prints nothing and exits 0 when the check holds; otherwise prints every problem found
// (one per line) and exits 1.
//   node check.js sends FILE COUNT
//       COUNT send results, all SEND_OK, no two at the same (queueId, queueOffset).
//   node check.js msgs FILE --prefix P --start S --count N --tag T --keys ali|K --props ali|none [--sends FILE]
//       exactly the bodies P-S .. P-(S+N-1), each once; tags T; keys "key-i Pkey-i" (ali)
//       or K; user properties {prop-a: value-i, prop-b: "P ü ✓"} (ali) or none;
//       with --sends, each message at the queue/offset its send result reported.
//   node check.js offsets FILE MAXFILE
//       consume.js read back a committed offset for every queue, equal to the queue's max
//       offset in MAXFILE ("QID MAX" lines).
const fs = require('fs');
const { parseArgs } = require('./common');

const lines = f => fs.readFileSync(f, 'utf8').split('\n').filter(l => l.trim()).map((l, n) => {
  try { return JSON.parse(l); } catch (e) { throw new Error(`${f}:${n + 1}: not JSON: ${l}`); }
});
const problems = [];
const fail = m => problems.push(m);

function checkSends(file, count) {
  const sends = lines(file);
  if (sends.length !== count) fail(`${file}: ${sends.length} send results, expected ${count}`);
  const seen = new Map();
  for (const s of sends) {
    if (s.sendStatus !== 'SEND_OK') fail(`send of ${s.body}: status ${s.sendStatus}`);
    const pos = `${s.queueId}@${s.queueOffset}`;
    if (seen.has(pos)) fail(`sends of ${seen.get(pos)} and ${s.body} both at queue ${s.queueId} offset ${s.queueOffset}`);
    seen.set(pos, s.body);
    if (!/^[0-9A-F]{32}$/.test(s.msgId || '')) fail(`send of ${s.body}: msgId ${s.msgId} is not 32 hex digits`);
  }
}

function checkMsgs(file, o) {
  o.start = Number(o.start);
  o.count = Number(o.count);
  const msgs = lines(file).filter(m => m.type === 'msg');
  const expected = new Map();
  for (let i = o.start; i < o.start + o.count; i++) expected.set(`${o.prefix}-${i}`, i);
  const sends = new Map();
  if (o.sends) for (const s of lines(o.sends)) sends.set(s.body, s);
  const got = new Map();
  for (const m of msgs) {
    got.set(m.body, (got.get(m.body) || 0) + 1);
    const i = expected.get(m.body);
    if (i === undefined) { fail(`unexpected message ${JSON.stringify(m.body)} (queue ${m.queueId} offset ${m.queueOffset})`); continue; }
    if (got.get(m.body) > 1) { fail(`duplicate: ${m.body} delivered ${got.get(m.body)} times`); continue; }
    if (m.tags !== o.tag) fail(`${m.body}: tags ${JSON.stringify(m.tags)}, expected ${JSON.stringify(o.tag)}`);
    const keys = o.keys === 'ali' ? `key-${i} ${o.prefix}key-${i}` : o.keys;
    if (m.keys !== keys) fail(`${m.body}: keys ${JSON.stringify(m.keys)}, expected ${JSON.stringify(keys)}`);
    const props = o.props === 'ali' ? { 'prop-a': `value-${i}`, 'prop-b': `${o.prefix} \u00fc \u2713` } : {};
    if (JSON.stringify(m.properties) !== JSON.stringify(props)) {
      fail(`${m.body}: user properties ${JSON.stringify(m.properties)}, expected ${JSON.stringify(props)}`);
    }
    if (m.reconsumeTimes !== 0) fail(`${m.body}: reconsumeTimes ${m.reconsumeTimes}`);
    const s = sends.get(m.body);
    if (s && (s.queueId !== m.queueId || s.queueOffset !== m.queueOffset)) {
      fail(`${m.body}: consumed at queue ${m.queueId} offset ${m.queueOffset}, sent to queue ${s.queueId} offset ${s.queueOffset}`);
    }
  }
  const missing = [ ...expected.keys() ].filter(b => !got.has(b));
  if (missing.length) fail(`missing ${missing.length} of ${o.count}: ${missing.join(' ')}`);
}

function checkOffsets(file, maxFile) {
  const max = new Map();
  for (const l of fs.readFileSync(maxFile, 'utf8').split('\n').filter(Boolean)) {
    const [ q, m ] = l.trim().split(/\s+/).map(Number);
    max.set(q, m);
  }
  const offs = lines(file).filter(m => m.type === 'offset');
  const seen = new Set();
  for (const o of offs) {
    seen.add(o.queueId);
    if (o.committed !== max.get(o.queueId)) {
      fail(`queue ${o.queueId}: committed offset read back ${JSON.stringify(o.committed)}, max offset ${max.get(o.queueId)}`);
    }
  }
  for (const q of max.keys()) if (!seen.has(q)) fail(`queue ${q}: the ali-ons consumer did not own it (no offset read back)`);
}

const [ mode, ...rest ] = process.argv.slice(2);
try {
  if (mode === 'sends') checkSends(rest[0], Number(rest[1]));
  else if (mode === 'msgs') checkMsgs(rest[0], parseArgs(rest.slice(1), { prefix: null, start: 0, count: null, tag: null, keys: null, props: null, sends: '' }));
  else if (mode === 'offsets') checkOffsets(rest[0], rest[1]);
  else throw new Error(`unknown mode ${mode}`);
} catch (e) {
  fail(`check.js: ${e.message}`);
}
for (const p of problems.slice(0, 30)) console.log(`  ${p}`);
if (problems.length > 30) console.log(`  ... and ${problems.length - 30} more`);
process.exit(problems.length ? 1 : 0);
