#include "dfs/client.hpp"

#include <sstream>

#include "actors/client/client.hpp"
#include "actors/meta/sessions.hpp"

namespace dfs {

static_assert(max_writes_in_flight <= client_sessions::remembered_per_client,
              "a connection's writes in flight must fit in its remembered outcomes");

caf::expected<connection> connection::open(const std::string& cluster,
                                           std::chrono::milliseconds timeout) {
  client_options opts;
  std::stringstream in{cluster};
  for (std::string item; std::getline(in, item, ',');) {
    std::string why;
    auto hp = parse_host_port(item, &why);
    if (!hp)
      return make_error(errc::invalid_argument, "cluster endpoint '" + item + "': " + why);
    opts.endpoints.push_back(*hp);
  }
  if (opts.endpoints.empty())
    return make_error(errc::invalid_argument, "no cluster endpoint given (host:port,...)");
  opts.timeout = timeout;
  auto c = client::connect(std::move(opts));
  if (!c)
    return c.error();
  return connection{std::move(*c)};
}

connection::connection(std::unique_ptr<client> impl) : impl_(std::move(impl)) {}
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;
connection::~connection() = default;

caf::expected<file_info> connection::put(const std::string& path, const std::string& bytes,
                                         uint32_t replicas) {
  std::istringstream in{bytes};
  return impl_->put(in, path, replicas, bytes.size());
}

caf::expected<file_info> connection::put(const std::string& path, std::istream& in,
                                         uint32_t replicas) {
  return impl_->put(in, path, replicas);
}

caf::expected<std::string> connection::get(const std::string& path) {
  std::ostringstream out;
  auto info = impl_->get(path, out);
  if (!info)
    return info.error();
  return out.str();
}

caf::expected<file_info> connection::get(const std::string& path, std::ostream& out) {
  return impl_->get(path, out);
}

caf::expected<std::vector<file_info>> connection::ls(const std::string& path) {
  return impl_->list(path);
}

caf::expected<file_info> connection::stat(const std::string& path) {
  return impl_->stat(path);
}

caf::error connection::rm(const std::string& path, bool recursive) {
  return impl_->remove(path, recursive);
}

caf::expected<file_info> connection::mkdir(const std::string& path, bool parents) {
  return impl_->mkdir(path, parents);
}

caf::expected<file_info> connection::mv(const std::string& from, const std::string& to) {
  return impl_->move(from, to);
}

caf::actor_system& connection::system() {
  return impl_->system();
}

gateway_actor connection::gateway() const {
  return impl_->gateway();
}

request_context connection::new_context(std::chrono::milliseconds timeout) {
  return impl_->new_context(timeout);
}

}  // namespace dfs
