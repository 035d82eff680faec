-- Records what a node says became of a job, only for a job that was sent to it.
--
-- KEYS[1]  the job's per-node states (powerprof:job:{ID}:nodes), a hash
-- ARGV[1]  the node
-- ARGV[2]  its state, as JSON
--
-- A status for a job never sent to the node (made up, or for a job id that
-- does not exist) writes nothing: otherwise anyone who may write as a node
-- could make keys without bound. The record itself is in the node's stream.
--
-- Returns 1 when recorded, 0 when the job was not sent to the node.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
