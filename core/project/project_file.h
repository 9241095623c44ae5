#pragma once
// Gesso project files: OpenRaster (.ora) plus Gesso's own part, which other programs ignore:
//   gesso/project.json  {"format_version": 1, layers (ids, locks, the generation of applied results)
//                        matched to stack.xml by src, active layer, mask -> gesso/mask.png, region,
//                        settings, history}
//   gesso/mask.png      the inpainting mask (grey, canvas-sized), only when the mask is not empty
// Plain .ora files from Krita, GIMP or MyPaint load as projects without Gesso data.
#include "core/imageio/image_limits.h"
#include "core/project/atomic_write.h"
#include "core/project/project.h"
#include "core/project/zip_archive.h"

#include <string>
#include <vector>

namespace gesso::project {

inline constexpr const char* kProjectJsonEntry = "gesso/project.json";
inline constexpr const char* kMaskEntry = "gesso/mask.png";
inline constexpr const char* kStagedEntryPrefix = "gesso/staged/"; // + index + ".png"

struct LoadOptions {
    imageio::ImageLimits imageLimits;
    ZipLimits zipLimits;
};

// The whole file in memory (the bytes that saveProject writes).
std::vector<uint8_t> encodeProject(const Project& project);
Project decodeProject(const ZipReader& archive, const LoadOptions& options = {});

// Atomic save (temporary file + rename): a failure at any point leaves an existing file unchanged.
void saveProject(const std::string& path, const Project& project, const AtomicWriteOptions& options = {});
// Throws gesso::Error with a message naming the file for anything unreadable; never modifies the file.
Project loadProject(const std::string& path, const LoadOptions& options = {});

} // namespace gesso::project
