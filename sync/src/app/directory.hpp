// The organisation directory as the console sees it: the tree of groups, who a staff
// member may see (admins: their whole organisation; managers: the learners in the groups
// they manage and in those groups' subgroups), and who manages a learner.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/app.hpp"

namespace trailpack::server::directory {

/// The groups of one organisation: parent links and names.
struct GroupTree {
  std::map<std::string, std::string> parent;  ///< group id -> parent id ("" at the top)
  std::map<std::string, std::string> name;    ///< group id -> name

  bool has(const std::string& id) const { return name.count(id) > 0; }
  /// `roots` and every group below them.
  std::set<std::string> with_descendants(const std::set<std::string>& roots) const;
  /// `id`, its parent, its parent's parent, ... (stops on a cycle, which the API prevents).
  std::vector<std::string> self_and_ancestors(const std::string& id) const;
};

GroupTree load_groups(db::Connection& c, const std::string& org_id);

/// What a staff session may see.
struct Scope {
  bool admin = false;
  std::string org_id;
  std::string user_id;
  std::set<std::string> groups;  ///< managers: the groups they manage and all subgroups

  bool sees_group(const std::string& id) const { return admin || groups.count(id) > 0; }
};

/// The scope of an admin or manager session (the caller checked the role).
Scope scope_of(db::Connection& c, const Principal& p);

/// Learners (role learner, active or not) visible in the scope.
std::set<std::string> visible_learners(db::Connection& c, const Scope& s);

/// Whether the scope sees user `id`: admins every user of their organisation, managers
/// the learners of their groups.
bool sees_user(db::Connection& c, const Scope& s, const std::string& id);

/// Throws the scope error for a user the caller may not see: admins `404 not_found`
/// (`no such user in your organisation`), managers `403 forbidden` (`this user is outside
/// your scope`), so nobody learns about users of another organisation.
void require_user(db::Connection& c, const Scope& s, const std::string& id);

/// The same for a group: `404 not_found` / `403 forbidden`.
void require_group(db::Connection& c, const Scope& s, const std::string& id);

/// Learners who are members of `group_id` or of one of its subgroups.
std::set<std::string> group_learners(db::Connection& c, const GroupTree& tree, const std::string& group_id);

/// Managers of a learner: users with role manager who manage a group the learner belongs
/// to, or a group above one.
std::vector<std::string> managers_of(db::Connection& c, const std::string& org_id, const std::string& user_id);

}  // namespace trailpack::server::directory
