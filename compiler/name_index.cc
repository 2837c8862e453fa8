#include "compiler/name_index.h"

#include <functional>

namespace flow {

size_t NameIndex::slot_of(std::string_view name, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t s = slots_[i];
    if (s == 0 || (hashes_[s - 1] == hash && names_[s - 1] == name)) return i;
  }
}

void NameIndex::grow() {
  std::vector<uint32_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint32_t s : old) {
    if (s == 0) continue;
    size_t i = hashes_[s - 1] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void NameIndex::reserve(size_t names) {
  names_.reserve(names);
  hashes_.reserve(names);
  while (slots_.size() < 2 * names) grow();
}

uint32_t NameIndex::insert(std::string_view name, bool* added) {
  if (2 * (names_.size() + 1) > slots_.size()) grow();
  const uint64_t hash = std::hash<std::string_view>{}(name);
  const size_t i = slot_of(name, hash);
  if (added) *added = slots_[i] == 0;
  if (slots_[i] != 0) return slots_[i] - 1;
  names_.emplace_back(name);
  hashes_.push_back(hash);
  slots_[i] = static_cast<uint32_t>(names_.size());
  return slots_[i] - 1;
}

uint32_t NameIndex::find(std::string_view name) const {
  if (slots_.empty()) return kNone;
  const uint32_t s = slots_[slot_of(name, std::hash<std::string_view>{}(name))];
  return s == 0 ? kNone : s - 1;
}

}  // namespace flow
