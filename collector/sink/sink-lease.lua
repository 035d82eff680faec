-- Takes or keeps a sink's lease on one node's stream: one sink at a time
-- reads a stream, so that its batches are contiguous ranges of it.
--
-- KEYS[1]  the node's sink lease (powerprof:{node}:sink-lease)
-- ARGV[1]  this sink's lease token (its consumer name and a random part)
-- ARGV[2]  the lease's length, ms; 0 gives up a lease this sink holds
--
-- Returns 1 when this sink holds the lease (taken now, or renewed), 0 when
-- another sink does (or when given up).
local holder = redis.call('GET', KEYS[1])
if ARGV[2] == '0' then
  if holder == ARGV[1] then redis.call('DEL', KEYS[1]) end
  return 0
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
