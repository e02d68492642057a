-- wrk script for bench/ingest.py: event + response pairs through the browser API.
-- Each connection sends an event for a new user; the prompt's token in the answer is answered on
-- that connection's next request. Paced with FIILIS_DELAY_MS between requests when set.
-- The summary goes to stdout as one JSON line (done()).

local site_key = os.getenv("FIILIS_SITE_KEY") or "pk_bare"
local origin = os.getenv("FIILIS_ORIGIN") or "http://bench.local"
local delay_ms = tonumber(os.getenv("FIILIS_DELAY_MS") or "0")
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter, tokens = 0, {}
sent = {events = 0, answers = 0, unanswered = 0}

local function uuid()
  local r = math.random
  return string.format("%08x-%04x-4%03x-%04x-%012x",
    r(0, 0xffffffff), r(0, 0xffff), r(0, 0xfff), 0x8000 + r(0, 0x3fff), r(0, 0xffffffffffff))
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  wrk.headers["Content-Type"] = "text/plain"
  wrk.headers["Origin"] = origin
end

function request()
  local token = table.remove(tokens)
  if token then
    sent.answers = sent.answers + 1
    local body = string.format('{"token":"%s","response_id":"%s","score":4}', token, uuid())
    return wrk.format("POST", "/v1/widget/responses", nil, body)
  end
  counter = counter + 1
  sent.events = sent.events + 1
  local body = string.format(
    '{"site_key":"%s","user_id":"u%d-%d-%x","anonymous_id":"%s","event":"bench.event","url":"%s/invoices"}',
    site_key, tid, counter, math.random(0, 0xffffff), uuid(), origin)
  return wrk.format("POST", "/v1/widget/events", nil, body)
end

function response(status, headers, body)
  local token = body and string.match(body, '"token":%s*"([^"]+)"')
  if token and status == 200 then
    table.insert(tokens, token)
  elseif string.find(body or "", '"prompt":', 1, true) and not token then
    sent.unanswered = sent.unanswered + 1
  end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local events, answers = 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("sent")
    events = events + s.events
    answers = answers + s.answers
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"events":%d,"answers":%d,"errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, events, answers,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
