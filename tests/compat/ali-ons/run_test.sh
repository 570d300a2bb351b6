#!/usr/bin/env bash
# Compatibility test with a third-party RocketMQ 4.x client: ali-ons (npm, pure JavaScript).
#
#   run_test.sh QUIVER_BINARY WORKDIR
#
# Starts a Quiver name server and broker on free ports (logs and stores under WORKDIR), then:
#   A. ali-ons produces 50 messages (body, tag, two keys, two user properties); Quiver's SDK
#      (`quiver consume --print`) receives every body exactly once and commits offsets that
#      `quiver admin consumerProgress` shows without lag; an ali-ons consumer (another
#      group) sees every key, tag and user property intact, at the queue/offset the send
#      result reported, and commits offsets equal to the queues' max offsets.
#   B. Quiver's SDK (`quiver produce --key --tag`) produces 50; ali-ons receives each once
#      with body, key and tag intact, and commits offsets without lag.
#   F. A mixed consumer group: an ali-ons consumer and a Quiver push consumer
#      (`quiver consume --push`) in group MG share TD's 4 queues (2 each, RocketMQ's average
#      allocation on both sides); 100 messages are consumed once overall.
#   C. Offsets cross the clients both ways: a group Quiver's SDK committed is continued by
#      ali-ons with only the new messages (and then Quiver sees ali-ons' commits: nothing
#      left), and a group ali-ons committed is continued by Quiver's SDK with only the new
#      messages (and then ali-ons sees Quiver's commits: nothing left).
# Runs `npm ci` first when node_modules is missing. Exit status: 0 all passed, 1 a check
# failed, 2 usage, 77 node/npm missing (ctest: SKIP_RETURN_CODE 77).
# QUIVER_COMPAT_LOG_LEVEL=debug puts the name server and broker at debug level.
# QUIVER_COMPAT_REGISTRY=zookeeper runs the same checks with the `zookeeper` registry: a
# ZooKeeper server (java, Debian `zookeeper`) is started on a free port, the broker registers
# in it, and ali-ons talks to a route gateway (role nameserver, [registry] plugin zookeeper).
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 QUIVER_BINARY WORKDIR" >&2
  exit 2
fi
QUIVER=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
START=$(date +%s)
LOG_LEVEL=${QUIVER_COMPAT_LOG_LEVEL:-info}
REGISTRY=${QUIVER_COMPAT_REGISTRY:-nameserver}
case "$REGISTRY" in
  nameserver) ;;
  zookeeper)
    if [ ! -x /usr/bin/java ] || [ ! -r /usr/share/java/zookeeper.jar ]; then
      echo "SKIP: java and the Debian package zookeeper are needed (scripts/setup)" >&2
      exit 77
    fi ;;
  *) echo "error: QUIVER_COMPAT_REGISTRY must be nameserver or zookeeper" >&2; exit 2 ;;
esac

if [ ! -x "$QUIVER" ]; then echo "error: $QUIVER is not an executable" >&2; exit 2; fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node and npm are needed (scripts/setup installs them)" >&2
  exit 77
fi

mkdir -p "$WORK" || exit 2
WORK=$(realpath "$WORK")
rm -rf "$WORK/store"  # only what an earlier run of this script left

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
elapsed() { echo $(( $(date +%s) - START ))s; }
BUDGET=${QUIVER_COMPAT_BUDGET:-100}  # seconds; a healthy run takes about 25
step() {
  echo "== [$(elapsed)] $*"
  if [ $(( $(date +%s) - START )) -gt "$BUDGET" ]; then abort "over the time budget of ${BUDGET}s"; fi
}

# ---- node_modules -----------------------------------------------------------------------
if [ ! -f "$HERE/node_modules/ali-ons/package.json" ]; then
  step "npm ci (node_modules missing)"
  if ! (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
    cat "$WORK/npm.log"
    echo "FAIL: npm ci in $HERE failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
echo "node $(node --version), ali-ons $(node -p "require('$HERE/node_modules/ali-ons/package.json').version")"

# ---- a name server and a broker ---------------------------------------------------------
read -r NS_PORT BROKER_PORT HA_PORT ZK_PORT < <(node -e '
  const net = require("net");
  const servers = [0, 1, 2, 3].map(() => net.createServer());
  Promise.all(servers.map(s => new Promise(r => s.listen(0, "127.0.0.1", r)))).then(() => {
    console.log(servers.map(s => s.address().port).join(" "));
    servers.forEach(s => s.close());
  });')
NS=127.0.0.1:$NS_PORT

cat >"$WORK/nameserver.toml" <<EOF
role = "nameserver"
[log]
level = "$LOG_LEVEL"
[nameserver]
listen = "$NS"
EOF
cat >"$WORK/broker.toml" <<EOF
role = "broker"
[log]
level = "$LOG_LEVEL"
[broker]
name = "broker-a"
listen = "127.0.0.1:$BROKER_PORT"
store_dir = "$WORK/store"
[registry.nameserver]
addresses = ["$NS"]
[replication.master-slave]
ha_listen = "127.0.0.1:$HA_PORT"
EOF
if [ "$REGISTRY" = zookeeper ]; then
  # The name server becomes a route gateway; the broker registers in ZooKeeper instead.
  # (The broker's [registry.nameserver] table stays: tables of unselected plugins are ignored.)
  for f in nameserver broker; do
    printf '[registry]\nplugin = "zookeeper"\n[registry.zookeeper]\nensemble = "127.0.0.1:%s"\n' \
      "$ZK_PORT" >>"$WORK/$f.toml"
  done
  rm -rf "$WORK/zk"
  mkdir -p "$WORK/zk/data"
  printf 'tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\nforceSync=no\n' \
    "$WORK/zk/data" "$ZK_PORT" >"$WORK/zk/zoo.cfg"
fi

NS_PID=""
BROKER_PID=""
ZK_PID=""
stop() {  # stop PID NAME: SIGTERM, then SIGKILL after 5 s
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "warning: $2 (pid $pid) ignored SIGTERM; killing it" >&2
  kill -9 "$pid" 2>/dev/null
}
cleanup() {
  stop "$BROKER_PID" broker
  stop "$NS_PID" "name server"
  stop "$ZK_PID" ZooKeeper
}
trap cleanup EXIT
trap 'exit 1' INT TERM

dump_logs() {
  echo "---- broker log (last 40 lines): $WORK/broker.log"
  tail -n 40 "$WORK/broker.log" 2>/dev/null
  echo "---- name server log (last 10 lines): $WORK/nameserver.log"
  tail -n 10 "$WORK/nameserver.log" 2>/dev/null
}
finish() {
  echo "== [$(elapsed)] $passed passed, $failed failed (logs in $WORK)"
  [ "$failed" -eq 0 ] || exit 1
  exit 0
}
abort() {  # a failure the rest cannot run without
  fail "$*"
  dump_logs
  finish
}

wait_port() {  # wait_port PORT PID NAME
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

if [ "$REGISTRY" = zookeeper ]; then
  step "starting ZooKeeper on 127.0.0.1:$ZK_PORT"
  java -Xmx128m -XX:+UseSerialGC -cp /usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$WORK/zk/zoo.cfg" >"$WORK/zk/server.log" 2>&1 &
  ZK_PID=$!
  zk_up=""
  for _ in $(seq 300); do
    kill -0 "$ZK_PID" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf srvr >&3 && grep -q '^Mode:' <&3) 2>/dev/null; then
      zk_up=1; break
    fi
    sleep 0.1
  done
  [ -n "$zk_up" ] || abort "ZooKeeper did not start serving on 127.0.0.1:$ZK_PORT"
fi
step "starting name server ($REGISTRY) on $NS and broker on 127.0.0.1:$BROKER_PORT"
"$QUIVER" start -c "$WORK/nameserver.toml" >"$WORK/nameserver.log" 2>&1 &
NS_PID=$!
wait_port "$NS_PORT" "$NS_PID" || abort "the name server did not start listening on $NS"
"$QUIVER" start -c "$WORK/broker.toml" >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
wait_port "$BROKER_PORT" "$BROKER_PID" || abort "the broker did not start listening on 127.0.0.1:$BROKER_PORT"

# Topics with 4 queues each (the route is in the name server once updateTopic returned).
for topic in TA TB; do
  ok=""
  for _ in $(seq 20); do
    if timeout 10 "$QUIVER" admin updateTopic -n "$NS" -c DefaultCluster -t "$topic" -r 4 -w 4 \
        >"$WORK/updateTopic-$topic.log" 2>&1; then ok=1; break; fi
    sleep 0.5  # the broker may not have registered yet
  done
  [ -n "$ok" ] || { cat "$WORK/updateTopic-$topic.log"; abort "quiver admin updateTopic -t $topic failed"; }
done
pass "name server, broker, topics TA and TB (4 queues) up"

# ---- helpers ----------------------------------------------------------------------------
ali_produce() {  # ali_produce OUT TOPIC ARGS...: produce.js with its send results in OUT
  local out=$1 topic=$2
  shift 2
  timeout 45 node "$HERE/produce.js" --namesrv "$NS" --topic "$topic" "$@" >"$out" 2>"$out.err"
}
ali_consume() {  # ali_consume OUT TOPIC GROUP ARGS...: consume.js's JSON lines in OUT
  local out=$1 topic=$2 group=$3
  shift 3
  timeout 45 node "$HERE/consume.js" --namesrv "$NS" --topic "$topic" --group "$group" "$@" \
    >"$out" 2>"$out.err"
}
quiver_consume() {  # quiver_consume OUT ARGS...: printed bodies in OUT
  local out=$1
  shift
  timeout 45 "$QUIVER" consume -n "$NS" --print "$@" >"$out" 2>"$out.err"
}
expect_bodies() {  # expect_bodies WHAT FILE PREFIX START COUNT: FILE holds exactly those bodies, once each
  local what=$1 file=$2 prefix=$3 start=$4 count=$5 d
  d=$(diff <(seq "$start" $((start + count - 1)) | sed "s/^/$prefix-/" | sort) <(sort "$file"))
  if [ -z "$d" ]; then
    pass "$what: $count bodies $prefix-$start..$prefix-$((start + count - 1)), each exactly once"
  else
    fail "$what: bodies differ from $prefix-$start..$prefix-$((start + count - 1)) ('<' missing, '>' unexpected or duplicate):"
    echo "$d" | head -n 20 | sed 's/^/  /'
  fi
}
check() {  # check WHAT check.js ARGS...
  local what=$1 out
  shift
  if out=$(node "$HERE/check.js" "$@"); then pass "$what"; else fail "$what:"; echo "$out"; fi
}
max_offsets() {  # max_offsets TOPIC OUT [QUEUES=4]: "QID MAX" lines from quiver admin topicStatus
  timeout 20 "$QUIVER" admin topicStatus -n "$NS" -t "$1" 2>"$2.err" \
    | awk 'NR > 1 && NF >= 4 { print $2, $4 }' >"$2"
  [ "$(wc -l <"$2")" -eq "${3:-4}" ]
}
expect_no_lag() {  # expect_no_lag WHAT GROUP TOPIC TOTAL [QUEUES=4]: consumerProgress rows all caught up
  local what=$1 group=$2 topic=$3 total=$4 queues=${5:-4} out bad
  out=$(timeout 20 "$QUIVER" admin consumerProgress -n "$NS" -g "$group" -t "$topic" 2>&1)
  bad=$(echo "$out" | awk -v t="$topic" -v total="$total" -v queues="$queues" '
    $1 == t { rows++; broker += $4; if ($4 != $5) print "  queue " $3 ": broker offset " $4 ", consumer offset " $5 }
    END { if (rows != queues) print "  " rows + 0 " rows for " t ", expected " queues;
          if (broker != total) print "  broker offsets sum to " broker ", expected " total }')
  if [ -z "$bad" ] && echo "$out" | grep -q '^Diff Total: 0$'; then
    pass "$what: consumerProgress -g $group -t $topic shows every queue caught up ($total messages)"
  else
    fail "$what: consumerProgress -g $group -t $topic:"
    echo "$bad"
    echo "$out" | sed 's/^/  | /'
  fi
}
expect_ok() {  # expect_ok WHAT RC FILE: a client command exited 0
  if [ "$2" -eq 0 ]; then return 0; fi
  fail "$1 exited $2:"
  tail -n 20 "$3.err" | sed 's/^/  | /'
  return 1
}

# ---- A: ali-ons produces, Quiver's SDK consumes ----------------------------------------
step "A. ali-ons -> Quiver SDK (topic TA)"
ali_produce "$WORK/a_sends.jsonl" TA --count 50 --prefix ali --tag TagA
expect_ok "ali-ons produce.js (50 to TA)" $? "$WORK/a_sends.jsonl" || abort "nothing to consume"
check "ali-ons sent 50 to TA, all SEND_OK at distinct queue offsets" sends "$WORK/a_sends.jsonl" 50

quiver_consume "$WORK/a_quiver.txt" -t TA -g QG1 --count 50 --timeout 30 --from-beginning
expect_ok "quiver consume -g QG1" $? "$WORK/a_quiver.txt"
expect_bodies "Quiver SDK consumed ali-ons' messages" "$WORK/a_quiver.txt" ali 0 50
expect_no_lag "Quiver SDK committed" QG1 TA 50

# Quiver's CLI prints bodies only: keys, tags and user properties as the broker stored them
# are checked with an ali-ons consumer of another group.
ali_consume "$WORK/a_ali.jsonl" TA AG1 --count 50 --timeout 30000
expect_ok "ali-ons consume.js -g AG1" $? "$WORK/a_ali.jsonl"
check "ali-ons read back its 50 messages once each, keys/tags/user properties intact, at the sent queue offsets" \
  msgs "$WORK/a_ali.jsonl" --prefix ali --start 0 --count 50 --tag TagA --keys ali --props ali \
  --sends "$WORK/a_sends.jsonl"
if max_offsets TA "$WORK/a_max.txt"; then
  check "ali-ons committed offsets (QUERY_CONSUMER_OFFSET) = max offsets of TA" offsets "$WORK/a_ali.jsonl" "$WORK/a_max.txt"
else
  fail "quiver admin topicStatus -t TA did not list 4 queues"
fi
expect_no_lag "ali-ons committed" AG1 TA 50

# ---- B: Quiver's SDK produces, ali-ons consumes ----------------------------------------
step "B. Quiver SDK -> ali-ons (topic TB)"
timeout 45 "$QUIVER" produce -n "$NS" -t TB --count 50 --body qv --key QK --tag TagQ \
  >"$WORK/b_produce.txt" 2>"$WORK/b_produce.txt.err"
expect_ok "quiver produce (50 to TB)" $? "$WORK/b_produce.txt" || abort "nothing to consume"
ali_consume "$WORK/b_ali.jsonl" TB AG2 --count 50 --timeout 30000
expect_ok "ali-ons consume.js -g AG2" $? "$WORK/b_ali.jsonl"
check "ali-ons consumed Quiver SDK's 50 messages once each, key QK and tag TagQ intact" \
  msgs "$WORK/b_ali.jsonl" --prefix qv --start 0 --count 50 --tag TagQ --keys QK --props none
if max_offsets TB "$WORK/b_max.txt"; then
  check "ali-ons committed offsets = max offsets of TB" offsets "$WORK/b_ali.jsonl" "$WORK/b_max.txt"
else
  fail "quiver admin topicStatus -t TB did not list 4 queues"
fi
expect_no_lag "ali-ons committed" AG2 TB 50

# ---- C: committed offsets cross the clients --------------------------------------------
step "C1. offsets Quiver SDK committed (QG1 on TA) -> ali-ons continues, then back to Quiver"
ali_produce "$WORK/c1_sends.jsonl" TA --count 10 --start 50 --prefix ali --tag TagA
expect_ok "ali-ons produce.js (10 more to TA)" $? "$WORK/c1_sends.jsonl"
# CONSUME_FROM_FIRST_OFFSET: ignoring QG1's committed offsets would redeliver ali-0..49.
ali_consume "$WORK/c1_ali.jsonl" TA QG1 --count 10 --timeout 20000 --from first
expect_ok "ali-ons consume.js -g QG1" $? "$WORK/c1_ali.jsonl"
check "ali-ons in Quiver's group QG1 got only the 10 new messages (nothing old), once each" \
  msgs "$WORK/c1_ali.jsonl" --prefix ali --start 50 --count 10 --tag TagA --keys ali --props ali \
  --sends "$WORK/c1_sends.jsonl"
max_offsets TA "$WORK/c1_max.txt" && check "ali-ons committed offsets for QG1 = max offsets of TA" \
  offsets "$WORK/c1_ali.jsonl" "$WORK/c1_max.txt"
expect_no_lag "ali-ons committed for QG1" QG1 TA 60
# --from-beginning: ignoring QG1's offsets (now committed by ali-ons) would redeliver.
quiver_consume "$WORK/c1_quiver.txt" -t TA -g QG1 --timeout 3 --from-beginning
expect_ok "quiver consume -g QG1 --timeout 3" $? "$WORK/c1_quiver.txt"
if [ ! -s "$WORK/c1_quiver.txt" ]; then
  pass "Quiver SDK in QG1 after ali-ons committed: nothing redelivered"
else
  fail "Quiver SDK in QG1 after ali-ons committed got $(wc -l <"$WORK/c1_quiver.txt") messages again:"
  head -n 10 "$WORK/c1_quiver.txt" | sed 's/^/  /'
fi

step "C2. offsets ali-ons committed (AG2 on TB) -> Quiver SDK continues, then back to ali-ons"
timeout 45 "$QUIVER" produce -n "$NS" -t TB --count 10 --body qn --key QK2 --tag TagN \
  >"$WORK/c2_produce.txt" 2>"$WORK/c2_produce.txt.err"
expect_ok "quiver produce (10 more to TB)" $? "$WORK/c2_produce.txt"
# --from-beginning: ignoring AG2's committed offsets would redeliver qv-0..49.
quiver_consume "$WORK/c2_quiver.txt" -t TB -g AG2 --count 10 --timeout 20 --from-beginning
expect_ok "quiver consume -g AG2" $? "$WORK/c2_quiver.txt"
expect_bodies "Quiver SDK in ali-ons' group AG2 got only the new messages" "$WORK/c2_quiver.txt" qn 0 10
expect_no_lag "Quiver SDK committed for AG2" AG2 TB 60
ali_consume "$WORK/c2_ali.jsonl" TB AG2 --count 1 --timeout 4000 --linger 0 --from first
if grep -q '"type":"msg"' "$WORK/c2_ali.jsonl"; then
  fail "ali-ons in AG2 after Quiver SDK committed got messages again:"
  grep '"type":"msg"' "$WORK/c2_ali.jsonl" | head -n 10 | sed 's/^/  /'
else
  pass "ali-ons in AG2 after Quiver SDK committed: nothing redelivered"
fi
max_offsets TB "$WORK/c2_max.txt" && check "ali-ons read back AG2's offsets = max offsets of TB" \
  offsets "$WORK/c2_ali.jsonl" "$WORK/c2_max.txt"

# ---- D: an ali-ons tag subscription ----------------------------------------------------
step "D. ali-ons subscribing TagN on TB (50 TagQ + 10 TagN messages)"
ali_consume "$WORK/d_ali.jsonl" TB AG3 --count 10 --timeout 15000 --from first --tag TagN
expect_ok "ali-ons consume.js -g AG3 --tag TagN" $? "$WORK/d_ali.jsonl"
check "ali-ons subscribed to TagN got exactly the 10 TagN messages" \
  msgs "$WORK/d_ali.jsonl" --prefix qn --start 0 --count 10 --tag TagN --keys QK2 --props none

# ---- E: empty queues (ali-ons commits -1 for them) -------------------------------------
# ali-ons persists "offset || -1", so a queue at offset 0 gets UPDATE_CONSUMER_OFFSET with
# commitOffset -1: the broker must ignore it, not store it.
step "E. ali-ons on a topic with empty queues (TC: 8 queues, 3 messages)"
for _ in $(seq 5); do
  timeout 10 "$QUIVER" admin updateTopic -n "$NS" -c DefaultCluster -t TC -r 8 -w 8 \
    >"$WORK/updateTopic-TC.log" 2>&1 && break
  sleep 0.5
done
ali_produce "$WORK/e_sends.jsonl" TC --count 3 --prefix ale --tag TagE
expect_ok "ali-ons produce.js (3 to TC)" $? "$WORK/e_sends.jsonl"
ali_consume "$WORK/e_ali.jsonl" TC AG4 --count 3 --timeout 15000 --from first
expect_ok "ali-ons consume.js -g AG4" $? "$WORK/e_ali.jsonl"
check "ali-ons got the 3 messages of TC once each" \
  msgs "$WORK/e_ali.jsonl" --prefix ale --start 0 --count 3 --tag TagE --keys ali --props ali \
  --sends "$WORK/e_sends.jsonl"
if max_offsets TC "$WORK/e_max.txt" 8; then
  check "ali-ons' offsets for TC read back = max offsets, 0 (not -1) for the empty queues" \
    offsets "$WORK/e_ali.jsonl" "$WORK/e_max.txt"
else
  fail "quiver admin topicStatus -t TC did not list 8 queues"
fi
timeout 45 "$QUIVER" produce -n "$NS" -t TC --count 8 --body qe --tag TagE \
  >"$WORK/e_produce.txt" 2>"$WORK/e_produce.txt.err"
expect_ok "quiver produce (8 to TC)" $? "$WORK/e_produce.txt"
quiver_consume "$WORK/e_quiver.txt" -t TC -g AG4 --count 8 --timeout 20 --from-beginning
expect_ok "quiver consume -g AG4" $? "$WORK/e_quiver.txt"
expect_bodies "Quiver SDK in AG4 got only the 8 new messages of TC" "$WORK/e_quiver.txt" qe 0 8
expect_no_lag "Quiver SDK committed for AG4" AG4 TC 11 8

# ---- F: one consumer group, two clients ------------------------------------------------
step "F. mixed group MG on TD: Quiver push consumer + ali-ons consumer share the queues"
for _ in $(seq 20); do
  timeout 10 "$QUIVER" admin updateTopic -n "$NS" -c DefaultCluster -t TD -r 4 -w 4 \
    >"$WORK/updateTopic-TD.log" 2>&1 && break
  sleep 0.5
done
timeout 60 "$QUIVER" consume -n "$NS" -t TD -g MG --push --print --from-beginning --timeout 45 \
  >"$WORK/d_quiver.txt" 2>"$WORK/d_quiver.txt.err" &
D_QUIVER=$!
d_assignment() { grep '^assignment:' "$WORK/d_quiver.txt.err" | tail -n 1; }
for _ in $(seq 100); do d_assignment | grep -q '^assignment: 4 queues' && break; sleep 0.1; done
d_assignment | grep -q '^assignment: 4 queues' ||
  abort "quiver consume --push never took TD's 4 queues: $(cat "$WORK/d_quiver.txt.err")"
timeout 60 node "$HERE/consume.js" --namesrv "$NS" --topic TD --group MG --count 100000 \
  --timeout 30000 --linger 0 --from first >"$WORK/d_ali.jsonl" 2>"$WORK/d_ali.jsonl.err" &
D_ALI=$!
# The Quiver member gives up half its queues on the broker's NOTIFY_CONSUMER_IDS_CHANGED;
# ali-ons takes its half at start (and every 10 s).
for _ in $(seq 150); do d_assignment | grep -q '^assignment: 2 queues' && break; sleep 0.1; done
if d_assignment | grep -q '^assignment: 2 queues'; then
  pass "Quiver push member rebalanced to 2 of 4 queues when ali-ons joined ($(d_assignment))"
else
  fail "Quiver push member did not rebalance when ali-ons joined ($(d_assignment))"
fi
sleep 2  # ali-ons starts pulling its queues
timeout 45 "$QUIVER" produce -n "$NS" -t TD --count 100 --body mx \
  >"$WORK/d_produce.txt" 2>"$WORK/d_produce.txt.err"
expect_ok "quiver produce (100 to TD)" $? "$WORK/d_produce.txt"
d_total() { echo $(( $(wc -l <"$WORK/d_quiver.txt") + $(grep -c '"type":"msg"' "$WORK/d_ali.jsonl") )); }
for _ in $(seq 200); do [ "$(d_total)" -ge 100 ] && break; sleep 0.1; done
sleep 1  # duplicates would arrive now
kill -INT "$D_QUIVER" 2>/dev/null
wait "$D_QUIVER"
kill -TERM "$D_ALI" 2>/dev/null
wait "$D_ALI" 2>/dev/null
node -e '
  const fs = require("fs");
  for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = JSON.parse(line);
    if (m.type === "msg") console.log(m.body);
  }' "$WORK/d_ali.jsonl" >"$WORK/d_ali.txt"
d_q=$(wc -l <"$WORK/d_quiver.txt")
d_a=$(wc -l <"$WORK/d_ali.txt")
cat "$WORK/d_quiver.txt" "$WORK/d_ali.txt" >"$WORK/d_all.txt"
expect_bodies "mixed group MG (Quiver push $d_q + ali-ons $d_a)" "$WORK/d_all.txt" mx 0 100
if [ "$d_q" -gt 0 ] && [ "$d_a" -gt 0 ]; then
  pass "both members of MG consumed (Quiver $d_q, ali-ons $d_a)"
else
  fail "one member of MG consumed nothing (Quiver $d_q, ali-ons $d_a)"
fi

[ "$failed" -eq 0 ] || dump_logs
finish
