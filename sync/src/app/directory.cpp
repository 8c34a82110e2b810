#include "app/directory.hpp"

namespace trailpack::server::directory {

std::set<std::string> GroupTree::with_descendants(const std::set<std::string>& roots) const {
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [id, p] : parent)
    if (!p.empty()) children[p].push_back(id);
  std::set<std::string> out;
  std::vector<std::string> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    std::string g = std::move(todo.back());
    todo.pop_back();
    if (!has(g) || !out.insert(g).second) continue;
    for (const auto& c : children[g]) todo.push_back(c);
  }
  return out;
}

std::vector<std::string> GroupTree::self_and_ancestors(const std::string& id) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::string g = id;
  while (!g.empty() && has(g) && seen.insert(g).second) {
    out.push_back(g);
    g = parent.at(g);
  }
  return out;
}

GroupTree load_groups(db::Connection& c, const std::string& org_id) {
  GroupTree t;
  for (const auto& r : c.query("SELECT id, parent_id, name FROM user_groups WHERE org_id = $1", {org_id})) {
    t.parent[r.str(0)] = r.str(1);
    t.name[r.str(0)] = r.str(2);
  }
  return t;
}

Scope scope_of(db::Connection& c, const Principal& p) {
  Scope s;
  s.admin = p.role == "admin";
  s.org_id = p.org_id;
  s.user_id = p.user_id;
  if (s.admin) return s;
  std::set<std::string> roots;
  for (const auto& r : c.query("SELECT m.group_id FROM manager_scopes m JOIN user_groups g ON g.id = m.group_id "
                               "WHERE m.user_id = $1 AND g.org_id = $2",
                               {p.user_id, p.org_id}))
    roots.insert(r.str(0));
  if (!roots.empty()) s.groups = load_groups(c, p.org_id).with_descendants(roots);
  return s;
}

std::set<std::string> visible_learners(db::Connection& c, const Scope& s) {
  std::set<std::string> out;
  if (s.admin) {
    for (const auto& r : c.query("SELECT id FROM users WHERE org_id = $1 AND role = 'learner'", {s.org_id})) out.insert(r.str(0));
    return out;
  }
  if (s.groups.empty()) return out;
  for (const auto& r : c.query("SELECT m.group_id, m.user_id FROM group_members m JOIN users u ON u.id = m.user_id "
                               "WHERE u.org_id = $1 AND u.role = 'learner'",
                               {s.org_id}))
    if (s.groups.count(r.str(0))) out.insert(r.str(1));
  return out;
}

bool sees_user(db::Connection& c, const Scope& s, const std::string& id) {
  auto rows = c.query("SELECT org_id, role FROM users WHERE id = $1", {id});
  if (rows.empty() || rows[0].str(0) != s.org_id) return false;
  if (s.admin) return true;
  if (rows[0].str(1) != "learner" || s.groups.empty()) return false;
  for (const auto& r : c.query("SELECT group_id FROM group_members WHERE user_id = $1", {id}))
    if (s.groups.count(r.str(0))) return true;
  return false;
}

void require_user(db::Connection& c, const Scope& s, const std::string& id) {
  if (sees_user(c, s, id)) return;
  if (s.admin) throw HttpError{404, "not_found", "no such user in your organisation", {}, {}};
  throw HttpError{403, "forbidden", "this user is outside your scope", {}, {}};
}

void require_group(db::Connection& c, const Scope& s, const std::string& id) {
  auto rows = c.query("SELECT org_id FROM user_groups WHERE id = $1", {id});
  const bool in_org = !rows.empty() && rows[0].str(0) == s.org_id;
  if (in_org && s.sees_group(id)) return;
  if (s.admin) throw HttpError{404, "not_found", "no such group in your organisation", {}, {}};
  throw HttpError{403, "forbidden", "this group is outside your scope", {}, {}};
}

std::set<std::string> group_learners(db::Connection& c, const GroupTree& tree, const std::string& group_id) {
  const auto groups = tree.with_descendants({group_id});
  std::set<std::string> out;
  for (const auto& g : groups)
    for (const auto& r : c.query("SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id "
                                 "WHERE m.group_id = $1 AND u.role = 'learner'",
                                 {g}))
      out.insert(r.str(0));
  return out;
}

std::vector<std::string> managers_of(db::Connection& c, const std::string& org_id, const std::string& user_id) {
  const GroupTree tree = load_groups(c, org_id);
  std::set<std::string> groups;
  for (const auto& r : c.query("SELECT group_id FROM group_members WHERE user_id = $1", {user_id}))
    for (const auto& g : tree.self_and_ancestors(r.str(0))) groups.insert(g);
  std::set<std::string> managers;
  for (const auto& g : groups)
    for (const auto& r : c.query("SELECT m.user_id FROM manager_scopes m JOIN users u ON u.id = m.user_id "
                                 "WHERE m.group_id = $1 AND u.role = 'manager' AND u.active = 1",
                                 {g}))
      managers.insert(r.str(0));
  return {managers.begin(), managers.end()};
}

}  // namespace trailpack::server::directory
