'use strict';
// Shared helpers for the ali-ons compatibility scripts: argument parsing and the ali-ons
// options that point it at a plain (Quiver) name server instead of Aliyun's address server.

function parseArgs(argv, defaults) {
  const out = Object.assign({}, defaults);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    let key, value;
    if (eq > 0) {
      key = a.slice(2, eq);
      value = a.slice(eq + 1);
    } else {
      key = a.slice(2);
      value = argv[++i];
      if (value === undefined) throw new Error(`missing value for --${key}`);
    }
    if (!(key in out)) throw new Error(`unknown option --${key}`);
    out[key] = typeof out[key] === 'number' ? Number(value) : value;
  }
  for (const [k, v] of Object.entries(out)) {
    if (v === null) throw new Error(`--${k} is required`);
  }
  return out;
}

// ali-ons logs through a console-like object; keep stdout for our JSON lines only.
const quietLogger = {
  debug() {},
  info() {},
  warn(...args) { if (process.env.ALI_ONS_VERBOSE) console.error('[ali-ons warn]', ...args); },
  error(...args) { console.error('[ali-ons error]', ...args); },
};

function baseOptions(namesrv) {
  return {
    // A plain "host:port" list: ali-ons never contacts the HTTP address server.
    nameSrv: namesrv.split(';').filter(Boolean),
    // Asserted by the constructor, unused when nameSrv is given.
    httpclient: {},
    logger: quietLogger,
    // No accessKeyId/accessKeySecret: no ACL extFields are sent.
  };
}

function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

module.exports = { parseArgs, baseOptions, sleep, withTimeout };
