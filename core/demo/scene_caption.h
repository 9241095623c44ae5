#pragma once
// Captions of demo scenes, and the parser that reads them (and shorter user prompts) back.
//
// captionOf() writes exactly this grammar:
//   caption    := objects ", on " background
//   objects    := object | object " and " object
//   object     := "a " size " " colour " " shape " " place
//   place      := "on the left" | "on the right" | "at the top" | "at the bottom" | "in the centre"
//   background := article " " colour " background"                  (plain)
//               | article " " colour " and " colour " background"   (two-tone: top half, then bottom half)
//   article    := "an" before a vowel ("an orange"), else "a"
// e.g. "a large red circle on the left and a small blue star at the top, on a green background". With
// CaptionParts, the parts left out are dropped from that grammar (a caption without background has no
// ", on ..." tail).
//
// parseCaption() reads the lower-cased words of a prompt (commas and full stops are separators) with:
//   prompt     := object ("and" object)* ["on" background]
//   object     := ["a" | "an"] [size] [colour] shape [place]
//   place      := ("on" | "at" | "in") ["the"] ("left" | "right" | "top" | "bottom" | "centre" | "center" |
//                 "middle")
//   background := ["a" | "an"] colour ["and" colour] "background"
// so "a red circle on a blue background" or "small star" parse too, with what they leave out unset. Any
// other word, or a missing shape, makes the whole prompt unparseable (nullopt).
#include "core/demo/scene.h"

#include <optional>
#include <string>

namespace gesso::demo {

// Which attributes a caption names; the shape is always named. Training leaves some out now and then, so
// short prompts such as "a yellow star" or "a red circle on a blue background" are ones the model has seen.
struct CaptionParts {
    bool size = true, colour = true, position = true, background = true;
};

std::string captionOf(const Scene& scene, CaptionParts parts = {});

std::optional<ScenePrompt> parseCaption(const std::string& text);

} // namespace gesso::demo
