#include "atrium/handshake.hpp"

#include <algorithm>
#include <stdexcept>

namespace atrium {

shared_string_map::shared_string_map(const std::map<std::string, std::string>& entries) {
  if (entries.empty())
    return;
  auto t = std::make_shared<table>();
  std::size_t bytes = 0;
  for (auto& [name, value] : entries)
    bytes += name.size() + value.size();
  t->text.reserve(bytes); // no reallocation below: the views point into it
  t->entries.reserve(entries.size());
  for (auto& [name, value] : entries) { // in std::map order: sorted by name
    auto at = t->text.size();
    t->text += name;
    t->text += value;
    std::string_view all{t->text};
    t->entries.emplace_back(all.substr(at, name.size()), all.substr(at + name.size(), value.size()));
  }
  table_ = std::move(t);
}

const std::vector<shared_string_map::value_type>& shared_string_map::entries() const noexcept {
  static const std::vector<value_type> none;
  return table_ ? table_->entries : none;
}

shared_string_map::const_iterator shared_string_map::find(std::string_view key) const {
  auto& all = entries();
  auto it = std::lower_bound(all.begin(), all.end(), key,
                             [](const value_type& e, std::string_view k) { return e.first < k; });
  return it != all.end() && it->first == key ? it : all.end();
}

std::string_view shared_string_map::at(std::string_view key) const {
  auto it = find(key);
  if (it == end())
    throw std::out_of_range("shared_string_map::at: no entry " + std::string{key});
  return it->second;
}

} // namespace atrium
