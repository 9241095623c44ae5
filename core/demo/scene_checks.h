#pragma once
// Measurable checks of an RGBA image against a demo-scene prompt: what the tests assert on rendered scenes
// and, later, on images the demo model generates. Everything works on hard colour masks, so it needs no model
// and is exact and deterministic.
//
// Pixels are named by classifyPixel(): a saturated pixel by its hue (nearest of the six chromatic colours,
// within kHueTolerance degrees), an unsaturated one as white or black by lightness; greyish, pale, dim or
// in-between pixels (anti-aliased edges between two colours, noise) get no name and belong to no mask. An
// object is a 4-connected blob of one colour that is thick enough to have interior pixels, is not a border-
// touching blob of a background colour, and covers at least kMinBlobShare of the image.
//
// Occlusion: the sampler keeps two objects apart (scene_sampler.h), so rendered scenes never occlude. In
// generated images a partly hidden object is judged by its visible blob only, so its shape and size may then
// fail; that is deliberate (the checks measure what is visible, they do not guess what is behind).
#include "core/demo/scene.h"
#include "core/demo/scene_layout.h"
#include "core/image/image.h"

#include <optional>
#include <string>
#include <vector>

namespace gesso::demo {

inline constexpr double kHueTolerance = 30;    // degrees from the nearest chromatic colour's hue
inline constexpr double kMinBlobShare = 0.002; // of the image's pixels
inline constexpr double kCentreBox = 0.125;    // |centroid - 0.5| below this on both axes is the centre
inline constexpr double kLargeThreshold = (kSmallExtent + kLargeExtent) / 2; // longer box side / image side
// classifyShape(): solidity below kStarSolidity is a star; otherwise roundness from kCircleRoundness up is a
// circle, from kSquareRoundness up a square, below it a triangle.
inline constexpr double kStarSolidity = 0.78;
inline constexpr double kCircleRoundness = 0.78;
inline constexpr double kSquareRoundness = 0.57;

// Hue in degrees [0, 360) of an RGB value (0 for greys) and of a colour; nullopt for White and Black.
double hueOfRgb(uint8_t r, uint8_t g, uint8_t b);
std::optional<double> hueOf(Colour colour);

// The named colour of one pixel, or nullopt when it is unclear (see above) or mostly transparent.
std::optional<Colour> classifyPixel(uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255);

// The colour most of the image's border pixels have, if more than half of them have it.
std::optional<Colour> dominantBackground(const ImageRgba8& image);

// The background of each half: the majority colour of the border pixels in the top half (top row and the
// upper halves of the side columns) and in the bottom half, each set only when held by more than half of
// them.
struct BackgroundReading {
    std::optional<Colour> top, bottom;
    double topShare = 0, bottomShare = 0; // share of that half's border pixels with that colour
};
BackgroundReading readBackground(const ImageRgba8& image);

struct ColourMask {
    int width = 0, height = 0;
    std::vector<uint8_t> bits; // 1 where the pixel is the colour, row-major
    bool at(int x, int y) const { return bits[static_cast<size_t>(y) * width + x] != 0; }
    int count() const;
};
ColourMask maskOf(const ImageRgba8& image, Colour colour);
// The mask without long thin lines: pixels whose run is at most 2 pixels one way and at least half of the
// image the other way. A soft straight edge between two colours leaves such a line in a third colour (a
// blurred red|yellow seam of a two-tone background is orange) that could otherwise join an object's blob;
// object outlines, star points included, have no such runs.
ColourMask withoutThinLines(const ColourMask& mask);

// The area centroid of a mask's pixels (pixel centres) in canvas units (0..1); nullopt for an empty mask.
std::optional<Point> coverageCentroid(const ColourMask& mask);
// Where a centroid (canvas units) lies: the centre box, else the side along the larger offset.
Position positionOf(Point centroid);

// One 4-connected component of a mask.
struct Blob {
    std::vector<int> pixels;            // y * width + x, in scan order
    int width = 0, height = 0;          // of the image
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0; // inclusive pixel bounds
    int interior = 0;                   // pixels whose four neighbours are all in the blob
    bool touchesBorder = false;
    int area() const { return static_cast<int>(pixels.size()); }
    Point centroid() const; // canvas units
    double extent() const;  // longer side of the bounding box / longer image side
};
// Components with at least minArea pixels, largest first.
std::vector<Blob> blobsOf(const ColourMask& mask, int minArea = 1);

// Scale- and rotation-robust shape measures of a blob with its holes filled:
//   solidity  = area / area of the convex hull of the pixels' corners (1 for convex shapes, ~0.6 for stars)
//   roundness = area / (π r²), r = farthest pixel centre from the centroid + 0.5 (circle 1, square 2/π,
//               equilateral triangle 0.41)
//   boxFill   = area / bounding-box area (reported only; not rotation invariant)
struct ShapeFeatures {
    int area = 0;
    double solidity = 0, roundness = 0, boxFill = 0;
};
ShapeFeatures shapeFeatures(const Blob& blob);
Shape classifyShape(const ShapeFeatures& features);
Size sizeOf(const Blob& blob);

struct AttributeCheck {
    std::string attribute; // "background", "object 1 colour", "object 2 shape", ...
    bool pass = false;
    std::string expected, measured;
};

struct CheckResult {
    std::vector<AttributeCheck> checks;
    bool passed() const;
    std::string summary() const; // one line per check: "PASS object 1 shape: expected circle, measured ..."
};

// Checks every attribute the prompt sets. Each prompt object is matched to a distinct blob of its colour (any
// non-background colour when the prompt leaves it out), choosing the assignment that satisfies the most
// attributes, then the largest blobs; an object with no blob fails all its attributes.
CheckResult checkPrompt(const ImageRgba8& image, const ScenePrompt& prompt);

} // namespace gesso::demo
