// Commands that talk to a running server with admin credentials: users import, report.
#include <iomanip>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/http_client.hpp"

namespace trailpack::cli {

using nlohmann::json;

namespace {

json checked(const server::ClientResponse& res, const std::string& what) {
  auto j = json::parse(res.body, nullptr, false);
  if (res.status >= 300) {
    std::string msg = res.body;
    if (j.is_object() && j.contains("error"))
      msg = (j["error"].contains("where") ? j["error"]["where"].get<std::string>() + ": " : "") + j["error"].value("message", "");
    throw CliError(what + " failed (" + std::to_string(res.status) + "): " + msg);
  }
  return j;
}

}  // namespace

int cmd_users_import(const std::string& file, const std::string& server, const std::string& email,
                     const std::string& password, bool dry_run) {
  const std::string token = login(server, email, password);
  auto res = server::http_request("POST", server + "/api/v1/admin/users/import" + (dry_run ? "?dry_run=1" : ""),
                                  read_file(file), {{"content-type", "text/csv"}, {"authorization", "Bearer " + token}});
  const json j = checked(res, "import");
  std::cout << (dry_run ? "dry run: " : "") << j["rows"] << " rows: " << j["created"] << " created, " << j["updated"]
            << " updated, " << j["unchanged"] << " unchanged, " << j["errors"].size() << " with errors\n";
  for (const auto& e : j["errors"]) std::cout << "  " << file << ":" << e["line"] << ": " << e["message"].get<std::string>() << "\n";
  return j["errors"].empty() ? 0 : 2;
}

int cmd_report(const std::string& server, const std::string& email, const std::string& password, const std::string& format) {
  const std::string token = login(server, email, password);
  // The learner list is paged (at most 1000 a page); follow next_offset to the end.
  json j = {{"learners", json::array()}};
  for (json offset = 0; !offset.is_null();) {
    const json page = checked(server::http_request("GET", server + "/api/v1/admin/learners?limit=1000&offset=" + offset.dump(), {},
                                                   {{"authorization", "Bearer " + token}}),
                              "report");
    for (const auto& l : page["learners"]) j["learners"].push_back(l);
    offset = page.value("next_offset", json(nullptr));
  }
  if (format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(28) << "learner" << std::setw(24) << "course" << std::setw(12) << "completion"
            << std::setw(8) << "score" << "\n";
  for (const auto& l : j["learners"]) {
    if (l["courses"].empty()) std::cout << std::setw(28) << l["name"].get<std::string>() << "(no activity)\n";
    for (const auto& c : l["courses"]) {
      std::ostringstream pct, score;
      pct << static_cast<int>(c["completion"].get<double>() * 100 + 0.5) << "%";
      if (!c["best_score"].is_null()) score << static_cast<int>(c["best_score"].get<double>() * 100 + 0.5) << "%";
      std::cout << std::setw(28) << l["name"].get<std::string>() << std::setw(24) << c["course_id"].get<std::string>()
                << std::setw(12) << pct.str() << std::setw(8) << score.str() << "\n";
    }
  }
  return 0;
}

}  // namespace trailpack::cli
