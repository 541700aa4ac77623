-- POST /v1/dossiers with a different child and mother on every request (no duplicate-child 409s).
-- Each wrk thread numbers its own requests; the thread's id keeps the numbers apart.
local counter = 0
local threads = 0
local prefix = os.getenv("LT_PREFIX") or "1"

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer demo-ward-00004-token"
end

local letters = "abcdefghijklmnopqrstuvwxyz"
local function name(n)
  local s = ""
  repeat
    local d = n % 26
    s = s .. letters:sub(d + 1, d + 1)
    n = math.floor(n / 26)
  until n == 0
  return s
end

function request()
  counter = counter + 1
  local n = tid * 10000000 + counter
  local id = string.format("%s%011d", prefix, n % 100000000000)
  local body = string.format([[{"procedure":"birth-3in1","ward":"00004","channel":"counter",
"child":{"fullName":"Nguyễn Văn %s","sex":"male","dateOfBirth":"%s","ethnicity":"Kinh","nationality":"VN",
"placeOfBirth":{"country":"VN","province":"01","text":"Bệnh viện Phụ sản Hà Nội"},"hometown":{"country":"VN","province":"01","commune":"00004"}},
"mother":{"fullName":"Trần Thị Bình","dateOfBirth":"1995-05-01","personalId":"%s","nationality":"VN"},
"declarant":{"fullName":"Trần Thị Bình","relationship":"mother","personalId":"%s","phone":"+84912345678"},
"residence":{"address":"12 ngõ 5 Minh Khai","commune":"00004","householdHeadPersonalId":"001060001234"},
"insurance":{"medicalFacilityCode":"01-001"}}]], name(n), os.getenv("LT_DOB") or "2026-11-20", id, id)
  return wrk.format(nil, "/v1/dossiers", nil, body)
end


function done(summary, latency, requests)
  local out = io.open(os.getenv("LT_OUT") or "/dev/stdout", "w")
  out:write(string.format('{"requests":%d,"seconds":%.3f,"errors":%d,"p50ms":%.3f,"p90ms":%.3f,"p99ms":%.3f,"maxms":%.3f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  out:close()
end
