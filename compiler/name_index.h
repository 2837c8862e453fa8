#pragma once
// Names numbered densely from 0 in the order they are first added, for tables the compiler
// fills and reads once per step of a flow that may have 100k steps. The names are stored
// once; the lookup table is one flat array (open addressing, linear probing), so adding or
// finding a name allocates nothing per name and touches one cache line or two.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow {

class NameIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The id of `name`; a new name gets the next id. `*added` (if given) says which happened.
  uint32_t insert(std::string_view name, bool* added = nullptr);
  uint32_t find(std::string_view name) const;  // kNone when absent
  std::string_view name(uint32_t id) const { return names_[id]; }
  const std::vector<std::string>& names() const { return names_; }  // by id
  size_t size() const { return names_.size(); }
  void reserve(size_t names);

 private:
  size_t slot_of(std::string_view name, uint64_t hash) const;
  void grow();

  std::vector<std::string> names_;  // by id
  std::vector<uint64_t> hashes_;    // by id, so that growing never hashes again
  std::vector<uint32_t> slots_;     // id + 1; 0 = empty. Size: a power of two, at most half full
};

}  // namespace flow
