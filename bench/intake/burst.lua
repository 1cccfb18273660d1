-- A burst of Telegram-shaped updates, each with its own update_id, for wrk.
-- Each thread stops after BURST_PER_THREAD answers and leaves a file in
-- BURST_DONE_DIR (wrk itself runs for its whole -d: webhook.py interrupts
-- it once every thread is done); done() prints one RESULT line of JSON.
local threads = {}
local per_thread = tonumber(os.getenv("BURST_PER_THREAD") or "1000")
local secret = os.getenv("BURST_SECRET") or ""
local offset = tonumber(os.getenv("BURST_OFFSET") or "0")
local done_dir = os.getenv("BURST_DONE_DIR") or "/tmp"

function setup(thread)
  thread:set("base", offset + #threads * 100000000)
  table.insert(threads, thread)
end

function init(args)
  sent, ok, other, finished = 0, 0, 0, false
  template = '{"update_id":%d,"message":{"message_id":%d,"date":1764400000,'
    .. '"chat":{"id":%d,"type":"private","first_name":"Invented"},'
    .. '"from":{"id":%d,"is_bot":false,"first_name":"Invented","language_code":"my"},'
    .. '"text":"\\u1019\\u1004\\u103a\\u1039\\u1002\\u101c\\u102c\\u1015\\u102b burst %d"}}'
  headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-Telegram-Bot-Api-Secret-Token"] = secret
end

function request()
  sent = sent + 1
  local id = base + sent
  local chat = 100000 + (id % 5000)
  local body = string.format(template, id, sent, chat, chat, id)
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
  if ok + other >= per_thread and not finished then
    finished = true
    local marker = io.open(done_dir .. "/thread-" .. base, "w")
    marker:write("done")
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total_sent, total_ok, total_other = 0, 0, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + t:get("sent")
    total_ok = total_ok + t:get("ok")
    total_other = total_other + t:get("other")
  end
  io.write(string.format(
    'RESULT {"sent": %d, "ok": %d, "other": %d, "duration_us": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    total_sent, total_ok, total_other, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
