// Every CAF atom used in dfs messages (at most 10 characters each).
#pragma once

#include <caf/atom.hpp>

namespace dfs {

using ok_atom = caf::atom_constant<caf::atom("ok")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// namespace (gateway and metadata service)
using mkdir_atom = caf::atom_constant<caf::atom("mkdir")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using stat_atom = caf::atom_constant<caf::atom("stat")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using move_atom = caf::atom_constant<caf::atom("move")>;
using propose_atom = caf::atom_constant<caf::atom("propose")>;

// file data (gateway)
using open_atom = caf::atom_constant<caf::atom("open")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using abort_atom = caf::atom_constant<caf::atom("abort")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using put_atom = caf::atom_constant<caf::atom("put")>;

// chunks (replica manager)
using store_atom = caf::atom_constant<caf::atom("store")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using replicate_atom = caf::atom_constant<caf::atom("replicate")>;
using inventory_atom = caf::atom_constant<caf::atom("inventory")>;
using scrub_atom = caf::atom_constant<caf::atom("scrub")>;
using compact_atom = caf::atom_constant<caf::atom("compact")>;

// cache shards
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using fill_atom = caf::atom_constant<caf::atom("fill")>;
using abandon_atom = caf::atom_constant<caf::atom("abandon")>;

// repair manager
using fsck_atom = caf::atom_constant<caf::atom("fsck")>;

// raft
using raft_atom = caf::atom_constant<caf::atom("raft")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using read_index_atom = caf::atom_constant<caf::atom("read_index")>;
using lead_atom = caf::atom_constant<caf::atom("lead")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// health monitors
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using slow_atom = caf::atom_constant<caf::atom("slow")>;

// node agent
using handles_atom = caf::atom_constant<caf::atom("handles")>;
using actors_atom = caf::atom_constant<caf::atom("actors")>;

}  // namespace dfs
