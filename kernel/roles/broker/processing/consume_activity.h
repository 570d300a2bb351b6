#pragma once
// Who consumes what, as the broker sees it from PULL_MESSAGE: per (group, topic, queue) the
// client id of the last consumer that pulled it (from its HEART_BEAT) and when; per
// (group, topic) the messages pulled over the last minute (RocketMQ's GROUP_GET_NUMS
// statistic behind ConsumeStats.consumeTps). Feeds GET_CONSUME_STATS. In memory only.
//
// Thread safety: all methods, any thread (one mutex).

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace quiver::broker {

class ConsumeActivity {
 public:
  struct QueuePuller {
    std::string client_id;
    std::int64_t last_pull_ms = 0;
  };

  // A pull of `messages` (>= 0) messages by `client_id` at wall time `now_ms`.
  void OnPull(std::string_view group, std::string_view topic, std::int32_t queue_id,
              std::string_view client_id, std::int64_t messages, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    pullers_[Key(group, topic, queue_id)] = QueuePuller{std::string(client_id), now_ms};
    if (messages <= 0) return;
    auto& window = windows_[std::pair(std::string(group), std::string(topic))];
    std::int64_t second = now_ms / 1000;
    if (!window.empty() && window.back().first == second) {
      window.back().second += messages;
    } else {
      window.emplace_back(second, messages);
    }
    while (!window.empty() && window.front().first <= second - kWindowSeconds) window.pop_front();
  }

  std::optional<QueuePuller> LastPuller(std::string_view group, std::string_view topic,
                                        std::int32_t queue_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pullers_.find(Key(group, topic, queue_id));
    if (it == pullers_.end()) return std::nullopt;
    return it->second;
  }

  // Messages per second pulled by `group` from `topic` over the last minute.
  double Tps(std::string_view group, std::string_view topic, std::int64_t now_ms) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = windows_.find(std::pair(std::string(group), std::string(topic)));
    if (it == windows_.end()) return 0;
    std::int64_t since = now_ms / 1000 - kWindowSeconds;
    std::int64_t total = 0;
    for (const auto& [second, count] : it->second) {
      if (second > since) total += count;
    }
    return static_cast<double>(total) / kWindowSeconds;
  }

 private:
  static constexpr std::int64_t kWindowSeconds = 60;
  using QueueKey = std::tuple<std::string, std::string, std::int32_t>;
  static QueueKey Key(std::string_view group, std::string_view topic, std::int32_t queue_id) {
    return {std::string(group), std::string(topic), queue_id};
  }

  mutable std::mutex mutex_;
  std::map<QueueKey, QueuePuller> pullers_;
  std::map<std::pair<std::string, std::string>, std::deque<std::pair<std::int64_t, std::int64_t>>>
      windows_;
};

}  // namespace quiver::broker
