-- Acknowledges a batch whose files are durably written, and trims it from
-- the node's stream: from here on only the history holds it.
--
-- KEYS[1]  the node's sink lease (powerprof:{node}:sink-lease)
-- KEYS[2]  the node's record stream (powerprof:{node}:records)
-- ARGV[1]  this sink's lease token
-- ARGV[2]  the consumer group
-- ARGV[3]  the batch's last stream ID
-- ARGV[4]  the ID just above it (trimming keeps entries from there on)
--
-- Returns { acknowledged, trimmed }, or { -1, 0 } when this sink no longer
-- holds the lease (another one redoes the batch; writing it twice leaves the
-- same files).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0 } end
local acknowledged = 0
while true do
  local pending = redis.call('XPENDING', KEYS[2], ARGV[2], '-', ARGV[3], 1000)
  if #pending == 0 then break end
  local ids = {}
  for i, entry in ipairs(pending) do ids[i] = entry[1] end
  acknowledged = acknowledged + redis.call('XACK', KEYS[2], ARGV[2], unpack(ids))
end
local trimmed = redis.call('XTRIM', KEYS[2], 'MINID', ARGV[4])
return { acknowledged, trimmed }
