#pragma once
// A sync master's appends waiting for a slave (RocketMQ's GroupTransferService without its
// thread): ordered by the batch's end offset, completed when a slave acknowledges an offset
// at or past it, expired at their deadline. Nothing here blocks or runs callbacks: every
// method hands the finished entries back, and the caller completes them outside the lock.
//
// Thread safety: every method may be called from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "quiver/clock.h"
#include "quiver/replication.h"

namespace quiver::replication::master_slave {

class PendingAcks {
 public:
  struct Entry {
    std::int64_t end_offset = 0;  // one past the batch's last byte
    TimePoint deadline{};
    ReplicatedAppend result;
    ReplicatedAppendCallback done;
  };

  // Queues `entry`, or hands it back when a slave already acknowledged its end offset.
  std::optional<Entry> Add(Entry entry);
  // A slave has everything before `offset`: the entries it covers, in offset order.
  std::vector<Entry> Ack(std::int64_t offset);
  // Entries whose deadline is at or before `now`, in offset order.
  std::vector<Entry> Expire(TimePoint now);
  // Every entry (stopping, or the last slave disconnected).
  std::vector<Entry> TakeAll();

  std::size_t size() const;
  std::int64_t acked_offset() const;

 private:
  mutable std::mutex mu_;
  std::multimap<std::int64_t, Entry> entries_;
  std::int64_t acked_ = -1;
};

}  // namespace quiver::replication::master_slave
