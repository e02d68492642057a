-- wrk script for bench/ingest.py: the widget's event + answer pair, each pair a new user.
--
--   wrk -t N -c N -s bench/ingest.lua http://127.0.0.1:PORT -- SITE_KEY ORIGIN [DELAY_MS]
--
-- One connection per thread, so that a thread's next request follows its previous answer: a
-- `track` event (which opens a prompt), then the answer to that prompt with its token. An event
-- answered without a prompt counts as a miss and the thread sends the next event. DELAY_MS paces
-- each connection (the run at half the maximum rate). done() prints one JSON line.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  site_key, origin = args[1], args[2]
  pause = tonumber(args[3] or "0")
  math.randomseed(id * 7919 + os.time())
  headers = { ["Content-Type"] = "text/plain", ["Origin"] = origin }
  pairs_sent, misses, token = 0, 0, nil
end

local function uuid()
  return string.format("%08x-%04x-4%03x-a%03x-%012x", math.random(0, 0xffffffff),
    math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff),
    math.random(0, 0xffffffffffff))
end

function request()
  if token then
    local body = string.format('{"token":"%s","response_id":"%s","score":4}', token, uuid())
    token = nil
    return wrk.format("POST", "/v1/widget/responses", headers, body)
  end
  pairs_sent = pairs_sent + 1
  local body = string.format(
    '{"site_key":"%s","user_id":"u%d-%d-%s","anonymous_id":"%s","event":"bench.event",'
      .. '"url":"%s/invoices"}',
    site_key, id, pairs_sent, uuid():sub(1, 8), uuid(), origin)
  return wrk.format("POST", "/v1/widget/events", headers, body)
end

function response(status, _, body)
  if status == 200 and body:find('"prompt":{', 1, true) then
    token = body:match('"token":%s*"([^"]+)"')
  elseif status == 200 then
    misses = misses + 1
  end
end

function delay()
  return pause
end

function done(summary, latency, _)
  local missed = 0
  for _, thread in ipairs(threads) do
    missed = missed + (thread:get("misses") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"bad_status":%d,'
      .. '"socket_errors":%d,"misses":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, missed))
end
