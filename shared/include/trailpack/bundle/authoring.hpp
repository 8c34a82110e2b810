// The authoring format: a folder an author writes by hand, compiled into the course
// model (docs/bundle-format.md). Pure: the caller reads the folder and passes its files.
//
//   course.json          the course manifest: id, version, title, language, modules
//                        and their items. An item may be written inline, or point to a
//                        file with "file": cards are Markdown (.md), other items JSON.
//   cards/*.md           Markdown-like cards: headings, paragraphs, lists, quotes,
//                        **bold**, *em*, `code`, [links](https://...), and media lines:
//                        ![alt](media/photo.png), ![video: Title](media/a.mp4 "media/a.vtt"),
//                        ![audio: Title](media/a.mp3 "media/a.vtt").
//   quizzes/*.json       quiz items (questions or pools), surveys, flashcards, scenarios.
//   media/...            images, audio, video, captions.
//
// Errors name the file and line (`cards/intro.md:12`) or the JSON path
// (`course.json: modules[0].items[2].title`).
#pragma once

#include <string>
#include <vector>

#include "trailpack/bundle/archive.hpp"
#include "trailpack/bundle/course.hpp"
#include "trailpack/result.hpp"

namespace trailpack::bundle {

struct SourceFile {
  std::string path;  ///< relative, '/'-separated
  std::string data;
};

struct CompiledCourse {
  Course course;
  std::vector<ArchiveEntry> files;  ///< course.json (compiled) and every referenced media file
  std::vector<std::string> unused;  ///< files in the folder that nothing refers to
};

/// Compiles an author's folder into a course and the files of its bundle.
Result<CompiledCourse> compile_course(const std::vector<SourceFile>& sources);

/// Parses a Markdown-like card into blocks. `file` names the source in errors.
Result<std::vector<Block>> parse_card_markdown(const std::string& text, const std::string& file);

/// Parses inline markup (**bold**, *em*, `code`, [text](https://...)) into spans.
std::vector<Span> parse_inline(const std::string& text);

}  // namespace trailpack::bundle
