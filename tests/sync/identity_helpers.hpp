// Helpers for the identity, assignment and reminder tests: JSON calls with a bearer
// token, courses published under any id, statements that complete the fixture course,
// groups and assignments through the API.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "test_helpers.hpp"

namespace trailpack::test {

struct Api {
  int status = 0;
  nlohmann::json body;  ///< null when the body is not JSON
  std::string raw;
  std::string content_type;
};

/// One JSON request with `Authorization: Bearer token` (no header when token is empty).
Api call(TestServer& srv, const std::string& method, const std::string& path, const std::string& token,
         const nlohmann::json& body = nullptr);

/// Publishes the fixture course under `course_id` (and title), optionally with a cold
/// evaluation survey (`cold_delay_days` >= 0) as an optional last item "follow-up".
void publish_course(TestServer& srv, const std::string& course_id, const std::string& title, int cold_delay_days = -1);

/// Statements that complete the fixture course `course_id` (two cards and a passed quiz),
/// stamped at `at_ms`; ids from uuid_n(first..first+2, ns).
std::vector<nlohmann::json> completing(const Device& d, const std::string& course_id, std::int64_t at_ms, std::uint64_t first,
                                       char ns = 'c');

/// Creates a group (admin token); returns its id.
std::string make_group(TestServer& srv, const std::string& token, const std::string& name, const std::string& parent = {});
void add_members(TestServer& srv, const std::string& token, const std::string& group, const std::vector<std::string>& users);
/// Makes `manager_id` a manager of `group`.
void add_manager(TestServer& srv, const std::string& token, const std::string& group, const std::string& manager_id);
/// POST /api/v1/admin/assignments; returns the id (fails the test otherwise).
std::string assign(TestServer& srv, const std::string& token, const nlohmann::json& body);

/// Current time of the real clock, ms.
std::int64_t now_ms();
inline constexpr std::int64_t kDay = 86400000;

}  // namespace trailpack::test
