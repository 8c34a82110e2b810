#include "trailpack/progress/projection.hpp"

#include <algorithm>
#include <set>

namespace trailpack::progress {

using nlohmann::json;
namespace verbs = xapi::verbs;

const ItemProgress* CourseProgress::item(const std::string& id) const {
  for (const auto& i : items)
    if (i.id == id) return &i;
  return nullptr;
}

namespace {

std::string attempt_of(const xapi::StatementView& v) {
  if (v.extensions.is_object()) {
    auto it = v.extensions.find(xapi::ext::kAttempt);
    if (it != v.extensions.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

// Removes duplicates and voided statements; sorts for a deterministic fold.
std::vector<xapi::StatementView> canonical_set(std::vector<xapi::StatementView> views) {
  std::sort(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  views.erase(std::unique(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id == b.id; }),
              views.end());
  std::set<std::string> voided;
  for (const auto& v : views)
    if (v.verb == verbs::kVoided) voided.insert(v.object_id);
  std::vector<xapi::StatementView> out;
  out.reserve(views.size());
  for (auto& v : views)
    if (v.verb != verbs::kVoided && !voided.count(v.id)) out.push_back(std::move(v));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id;
  });
  return out;
}

void fold_item(const bundle::Item& item, const std::string& item_iri, const std::vector<xapi::StatementView>& all,
               ItemProgress& p) {
  std::map<std::string, AttemptSummary> attempts;
  std::set<std::string> reviewed_cards;
  // Time of a quiz attempt: the passed/failed statement's duration covers the whole
  // attempt, so its answers' durations only count while it is unfinished.
  struct AttemptTime {
    TimeMs parts = 0;
    TimeMs whole = 0;
  };
  std::map<std::string, AttemptTime> attempt_time;
  for (const auto& v : all) {
    const bool on_item = v.object_id == item_iri;
    const bool under_item = v.parent == item_iri;
    if (!on_item && !under_item) continue;
    p.last_activity = std::max(p.last_activity, v.timestamp);
    if (p.status == "not_started") p.status = "in_progress";
    const std::string a = item.type == "quiz" ? attempt_of(v) : std::string();
    if (a.empty()) p.time_spent_ms += v.duration_ms;
    if (item.type == "quiz") {
      if (a.empty()) continue;
      auto& att = attempts[a];
      att.attempt_id = a;
      if (v.verb == verbs::kAttempted && on_item) att.started = v.timestamp;
      if (v.verb == verbs::kAnswered && under_item) att.answered++;
      if ((v.verb == verbs::kPassed || v.verb == verbs::kFailed) && on_item) {
        att.scaled = v.scaled.value_or(0);
        att.passed = v.verb == verbs::kPassed;
        att.finished = v.timestamp;
        attempt_time[a].whole = v.duration_ms;
      } else {
        attempt_time[a].parts += v.duration_ms;
      }
    } else if (item.type == "scenario") {
      if (on_item && v.verb == verbs::kCompleted) {
        if (p.status != "completed") p.completed_at = v.timestamp;
        p.status = "completed";
        if (v.scaled) {
          p.last_score = v.scaled;
          p.best_score = std::max(p.best_score.value_or(-2), *v.scaled);
        }
      }
    } else if (item.type == "survey") {
      if (on_item && (v.verb == verbs::kResponded || v.verb == verbs::kCompleted)) {
        if (p.status != "completed") p.completed_at = v.timestamp;
        p.status = "completed";
      }
    } else if (item.type == "flashcards") {
      // A deck is done once every card has been reviewed at least once (or when a client
      // reports the deck itself completed or experienced).
      if (under_item && v.verb == verbs::kAnswered) reviewed_cards.insert(v.object_id);
      const bool whole_deck = on_item && (v.verb == verbs::kCompleted || (v.verb == verbs::kExperienced && v.completion.value_or(true)));
      if ((whole_deck || (reviewed_cards.size() >= item.cards.size() && !item.cards.empty())) && p.status != "completed") {
        p.completed_at = v.timestamp;
        p.status = "completed";
      }
    } else {
      // card: experienced (with completion) or completed marks it done
      if (on_item && (v.verb == verbs::kCompleted || (v.verb == verbs::kExperienced && v.completion.value_or(true)))) {
        if (p.status != "completed") p.completed_at = v.timestamp;
        p.status = "completed";
      }
    }
  }
  if (item.type == "quiz") {
    std::vector<AttemptSummary> list;
    for (auto& [id, a] : attempts) list.push_back(a);
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.started != b.started ? a.started < b.started : a.attempt_id < b.attempt_id;
    });
    // When the quiz became done: the first of its first pass, a pre-test's first finished
    // attempt and the finish of the last allowed attempt.
    TimeMs done_at = 0;
    auto done = [&](TimeMs t) { done_at = done_at ? std::min(done_at, t) : t; };
    for (const auto& a : list) {  // in start order, so the last one wins last_score
      const AttemptTime& t = attempt_time[a.attempt_id];
      p.time_spent_ms += a.scaled ? t.whole : t.parts;
      if (!a.scaled) continue;
      p.attempts++;
      p.best_score = std::max(p.best_score.value_or(-2), *a.scaled);
      p.last_score = a.scaled;
      if (a.passed.value_or(false)) p.passed = true;
      if (a.passed.value_or(false) || item.role == "pretest" || p.attempts == item.max_attempts) done(a.finished);
    }
    p.attempt_list = std::move(list);
    p.attempts_exhausted = item.max_attempts > 0 && p.attempts >= item.max_attempts && !p.passed;
    // A quiz is done when passed; a pre-test is done once taken; an exhausted quiz is
    // done (failed) so the learner is not stuck forever.
    if (p.passed || (item.role == "pretest" && p.attempts > 0) || p.attempts_exhausted) {
      p.status = "completed";
      p.completed_at = done_at;
    }
  }
}

}  // namespace

CourseProgress project_course(const bundle::Course& course, const std::vector<json>& statements) {
  std::vector<xapi::StatementView> views;
  views.reserve(statements.size());
  for (const auto& s : statements) views.push_back(xapi::view_of(s));
  return project_course_views(course, std::move(views));
}

CourseProgress project_course_views(const bundle::Course& course, std::vector<xapi::StatementView> views) {
  const std::string course_prefix = bundle::course_iri(course.id);
  // Keep only this course's statements (and voids, which may target them).
  views.erase(std::remove_if(views.begin(), views.end(),
                             [&](const auto& v) {
                               if (v.verb == verbs::kVoided) return false;
                               return v.object_id.rfind(course_prefix, 0) != 0 || (v.object_id.size() > course_prefix.size() &&
                                                                                  v.object_id[course_prefix.size()] != ':');
                             }),
              views.end());
  const auto all = canonical_set(std::move(views));

  CourseProgress cp;
  cp.course_id = course.id;
  cp.statements = static_cast<int>(all.size());
  int required_total = 0, required_done = 0;
  TimeMs required_done_at = 0;  // when the last required item was completed
  std::set<std::string> completed_modules;
  bool previous_module_done = true;

  for (const auto& m : course.modules) {
    ModuleProgress mp;
    mp.id = m.id;
    for (const auto& pre : m.prerequisites)
      if (!completed_modules.count(pre)) {
        mp.locked = true;
        mp.lock_reason = "prerequisite:" + pre;
        break;
      }
    if (!mp.locked && course.sequencing == "linear" && !previous_module_done) {
      mp.locked = true;
      mp.lock_reason = "previous_module";
    }
    bool previous_required_done = true;
    for (const auto& it : m.items) {
      ItemProgress ip;
      ip.id = it.id;
      ip.type = it.type;
      fold_item(it, bundle::item_iri(course.id, it.id), all, ip);
      if (mp.locked) {
        ip.locked = true;
        ip.lock_reason = "module_locked";
      } else if (course.sequencing == "linear" && !previous_required_done) {
        ip.locked = true;
        ip.lock_reason = "previous_item";
      }
      // Work already recorded is never hidden behind a lock.
      if (ip.status != "not_started") {
        ip.locked = false;
        ip.lock_reason.clear();
      }
      if (it.required) {
        mp.required_total++;
        if (ip.status == "completed") {
          mp.required_done++;
          required_done_at = std::max(required_done_at, ip.completed_at);
        } else {
          previous_required_done = false;
        }
      }
      if (it.type == "quiz" && it.role == "pretest" && ip.attempt_list.size()) {
        for (const auto& a : ip.attempt_list)
          if (a.scaled) {
            cp.pretest_score = a.scaled;  // the first finished pre-test counts
            break;
          }
      }
      if (it.type == "quiz" && it.role == "posttest" && ip.best_score) cp.posttest_score = ip.best_score;
      cp.time_spent_ms += ip.time_spent_ms;
      cp.last_activity = std::max(cp.last_activity, ip.last_activity);
      cp.items.push_back(std::move(ip));
    }
    mp.completed = mp.required_done == mp.required_total;
    if (mp.completed) completed_modules.insert(m.id);
    previous_module_done = mp.completed;
    required_total += mp.required_total;
    required_done += mp.required_done;
    cp.modules.push_back(std::move(mp));
  }

  // Test out: a passed pre-test that allows it completes the course, when first passed.
  bool tested_out = false;
  TimeMs tested_out_at = 0;
  for (const auto& m : course.modules)
    for (const auto& it : m.items)
      if (it.type == "quiz" && it.role == "pretest" && it.test_out)
        if (const auto* ip = cp.item(it.id); ip && ip->passed) {
          tested_out = true;
          for (const auto& a : ip->attempt_list)
            if (a.passed.value_or(false) && (!tested_out_at || a.finished < tested_out_at)) tested_out_at = a.finished;
        }

  cp.completion = required_total ? static_cast<double>(required_done) / required_total : 1.0;
  const bool all_required = required_done == required_total;
  cp.completed = all_required || tested_out;
  if (cp.completed) {
    cp.completion = 1.0;
    // The moment of completion, not the latest activity: later reviews must not move it
    // (a cold survey falls due a number of days after it).
    cp.completed_at = all_required && tested_out ? std::min(required_done_at, tested_out_at)
                      : all_required             ? required_done_at
                                                 : tested_out_at;
  }
  if (cp.pretest_score && cp.posttest_score) cp.gain = *cp.posttest_score - *cp.pretest_score;

  // A cold evaluation opens `delay_days` after the course is completed.
  for (const auto& m : course.modules)
    for (const auto& it : m.items) {
      if (it.type != "survey" || it.role != "cold") continue;
      for (auto& ip : cp.items) {
        if (ip.id != it.id || ip.status == "completed") continue;
        if (!cp.completed) {
          ip.locked = true;
          ip.lock_reason = "after_course";
        } else {
          ip.available_at = cp.completed_at + static_cast<TimeMs>(it.delay_days) * 86400000;
        }
      }
    }

  // Resume: the item of the latest activity if it is not finished, otherwise the first
  // unlocked required item that is not completed (not an optional item the learner
  // skipped modules ago), and only when none is left the first optional one.
  const ItemProgress* latest = nullptr;
  for (const auto& ip : cp.items)
    if (ip.last_activity && (!latest || ip.last_activity > latest->last_activity)) latest = &ip;
  if (latest && latest->status != "completed") {
    cp.resume_item = latest->id;
  } else {
    std::vector<bool> required;  // parallel to cp.items, which are in course order
    for (const auto& m : course.modules)
      for (const auto& it : m.items) required.push_back(it.required);
    for (bool want_required : {true, false}) {
      for (std::size_t i = 0; i < cp.items.size() && cp.resume_item.empty(); ++i)
        if (required[i] == want_required && !cp.items[i].locked && cp.items[i].status != "completed")
          cp.resume_item = cp.items[i].id;
    }
  }
  return cp;
}

json to_json(const CourseProgress& p) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json items = json::array();
  for (const auto& i : p.items) {
    json o = {{"id", i.id},
              {"type", i.type},
              {"status", i.status},
              {"locked", i.locked},
              {"time_spent_ms", i.time_spent_ms},
              {"last_activity", i.last_activity}};
    if (i.locked) o["lock_reason"] = i.lock_reason;
    if (i.available_at) o["available_at"] = i.available_at;
    if (i.type == "quiz" || i.type == "scenario") {
      o["attempts"] = i.attempts;
      o["attempts_exhausted"] = i.attempts_exhausted;
      o["best_score"] = opt(i.best_score);
      o["last_score"] = opt(i.last_score);
      o["passed"] = i.passed;
    }
    items.push_back(std::move(o));
  }
  json modules = json::array();
  for (const auto& m : p.modules) {
    json o = {{"id", m.id},
              {"locked", m.locked},
              {"completed", m.completed},
              {"required_done", m.required_done},
              {"required_total", m.required_total}};
    if (m.locked) o["lock_reason"] = m.lock_reason;
    modules.push_back(std::move(o));
  }
  return {{"course_id", p.course_id},
          {"completed", p.completed},
          {"completed_at", p.completed_at},
          {"completion", p.completion},
          {"resume_item", p.resume_item},
          {"pretest_score", opt(p.pretest_score)},
          {"posttest_score", opt(p.posttest_score)},
          {"gain", opt(p.gain)},
          {"time_spent_ms", p.time_spent_ms},
          {"last_activity", p.last_activity},
          {"statements", p.statements},
          {"modules", std::move(modules)},
          {"items", std::move(items)}};
}

}  // namespace trailpack::progress
