#include "actors/meta/view.hpp"

#include "actors/meta/convert.hpp"
#include "messages/errc.hpp"

namespace dfs {

caf::expected<file_info> meta_view::stat(const std::string& path) const {
  std::shared_lock<std::shared_mutex> lock{mu_};
  auto found = machine_->lookup(path);
  if (!found.ok())
    return make_error(found.code, found.message);
  return to_file_info(found.path, *found.inode, true);
}

caf::expected<std::vector<file_info>> meta_view::list(const std::string& path) const {
  std::vector<std::pair<std::string, proto::Inode>> entries;
  std::string message;
  {
    std::shared_lock<std::shared_mutex> lock{mu_};
    auto code = machine_->list(path, entries, message);
    if (code != errc::ok)
      return make_error(code, message);
  }
  std::vector<file_info> out;
  out.reserve(entries.size());
  for (auto& [child_path, inode] : entries)
    out.push_back(to_file_info(child_path, inode, false));
  return out;
}

std::vector<proto::NodeRecord> meta_view::nodes() const {
  std::shared_lock<std::shared_mutex> lock{mu_};
  return machine_->nodes();
}

uint64_t meta_view::applied_index() const {
  std::shared_lock<std::shared_mutex> lock{mu_};
  return machine_->applied_index();
}

}  // namespace dfs
