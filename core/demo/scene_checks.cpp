#include "core/demo/scene_checks.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

namespace gesso::demo {

namespace {

using Counts = std::array<int, kColourCount + 1>; // the last slot counts unclear pixels

void countPixel(Counts& counts, const ImageRgba8& image, int x, int y) {
    const uint8_t* p = image.pixel(x, y);
    const auto c = classifyPixel(p[0], p[1], p[2], p[3]);
    ++counts[c ? static_cast<int>(*c) : kColourCount];
}

std::optional<Colour> majority(const Counts& counts, double* share) {
    int total = 0, best = 0;
    for (int v : counts)
        total += v;
    for (int i = 1; i < kColourCount; ++i)
        if (counts[i] > counts[best]) best = i;
    *share = total ? static_cast<double>(counts[best]) / total : 0;
    if (*share > 0.5) return static_cast<Colour>(best);
    return std::nullopt;
}

double cross(Point o, Point a, Point b) {
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Andrew's monotone chain; returns the hull's area.
double convexHullArea(std::vector<Point> points) {
    std::sort(points.begin(), points.end(),
              [](Point a, Point b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
    if (points.size() < 3) return 0;
    std::vector<Point> hull(2 * points.size());
    size_t k = 0;
    for (size_t i = 0; i < points.size(); ++i) {
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], points[i]) <= 0)
            --k;
        hull[k++] = points[i];
    }
    for (size_t i = points.size() - 1, lower = k + 1; i-- > 0;) {
        while (k >= lower && cross(hull[k - 2], hull[k - 1], points[i]) <= 0)
            --k;
        hull[k++] = points[i];
    }
    hull.resize(k - 1);
    double area = 0;
    for (size_t i = 0; i < hull.size(); ++i) {
        const Point& a = hull[i];
        const Point& b = hull[(i + 1) % hull.size()];
        area += a.x * b.y - b.x * a.y;
    }
    return std::abs(area) / 2;
}

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, pattern, a, b, c);
    return buffer;
}

std::string backgroundName(std::optional<Colour> top, std::optional<Colour> bottom) {
    auto name = [](std::optional<Colour> c) { return c ? std::string(nameOf(*c)) : std::string("unclear"); };
    if (top == bottom) return name(top);
    return name(top) + " and " + name(bottom);
}

struct Candidate {
    Colour colour;
    const Blob* blob;
    ShapeFeatures features;
    Shape shape;
    Size size;
    Position position;
};

int matches(const ObjectPrompt& o, const Candidate& c) {
    return (o.shape && *o.shape == c.shape) + (o.size && *o.size == c.size) +
           (o.position && *o.position == c.position);
}

// Best distinct assignment of candidates to prompt objects (index -1: none), by (attributes satisfied, area).
struct Assignment {
    std::vector<int> chosen;
    int score = -1;
    long area = 0;
};

void search(const ScenePrompt& prompt, const std::vector<std::vector<int>>& options,
            const std::vector<Candidate>& candidates, size_t i, Assignment& current, Assignment& best) {
    if (i == prompt.objects.size()) {
        if (current.score > best.score || (current.score == best.score && current.area > best.area))
            best = current;
        return;
    }
    const int score = current.score;
    const long area = current.area;
    for (int c : options[i]) {
        if (std::find(current.chosen.begin(), current.chosen.end(), c) != current.chosen.end()) continue;
        current.chosen.push_back(c);
        current.score =
            score + 4 + matches(prompt.objects[i], candidates[c]); // presence outweighs attributes
        current.area = area + candidates[c].blob->area();
        search(prompt, options, candidates, i + 1, current, best);
        current.chosen.pop_back();
    }
    current.chosen.push_back(-1);
    current.score = score, current.area = area;
    search(prompt, options, candidates, i + 1, current, best);
    current.chosen.pop_back();
}

constexpr size_t kCandidatesPerColour = 4;

} // namespace

double hueOfRgb(uint8_t r, uint8_t g, uint8_t b) {
    const int max = std::max({r, g, b}), min = std::min({r, g, b});
    const double chroma = max - min;
    if (chroma == 0) return 0;
    double hue;
    if (max == r)
        hue = std::fmod((g - b) / chroma + 6, 6.0);
    else if (max == g)
        hue = (b - r) / chroma + 2;
    else
        hue = (r - g) / chroma + 4;
    return hue * 60;
}

std::optional<double> hueOf(Colour colour) {
    if (!isChromatic(colour)) return std::nullopt;
    const Rgb c = rgbOf(colour);
    return hueOfRgb(c.r, c.g, c.b);
}

std::optional<Colour> classifyPixel(uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
    if (a < 128) return std::nullopt;
    const int max = std::max({r, g, b}), min = std::min({r, g, b});
    const int chroma = max - min;
    if (chroma >= 60 && chroma * 10 >= max * 4) {
        static const std::array<std::optional<double>, kColourCount> hues = [] {
            std::array<std::optional<double>, kColourCount> h{};
            for (Colour c : kColours)
                h[static_cast<int>(c)] = hueOf(c);
            return h;
        }();
        const double hue = hueOfRgb(r, g, b);
        std::optional<Colour> best;
        double bestDistance = kHueTolerance;
        for (int c = 0; c < kColourCount; ++c) {
            if (!hues[c]) continue;
            double d = std::abs(hue - *hues[c]);
            d = std::min(d, 360 - d);
            if (d <= bestDistance) best = static_cast<Colour>(c), bestDistance = d;
        }
        return best;
    }
    if (chroma > 40) return std::nullopt;
    if (max <= 70) return Colour::Black;
    if (min >= 190) return Colour::White;
    return std::nullopt;
}

std::optional<Colour> dominantBackground(const ImageRgba8& image) {
    if (image.empty()) return std::nullopt;
    Counts counts{};
    for (int x = 0; x < image.width; ++x) {
        countPixel(counts, image, x, 0);
        if (image.height > 1) countPixel(counts, image, x, image.height - 1);
    }
    for (int y = 1; y + 1 < image.height; ++y) {
        countPixel(counts, image, 0, y);
        if (image.width > 1) countPixel(counts, image, image.width - 1, y);
    }
    double share;
    return majority(counts, &share);
}

BackgroundReading readBackground(const ImageRgba8& image) {
    BackgroundReading reading;
    if (image.empty()) return reading;
    Counts top{}, bottom{};
    const int middle = image.height / 2;
    for (int x = 0; x < image.width; ++x) {
        countPixel(top, image, x, 0);
        if (image.height > 1) countPixel(bottom, image, x, image.height - 1);
    }
    for (int y = 1; y + 1 < image.height; ++y) {
        Counts& half = y < middle ? top : bottom;
        countPixel(half, image, 0, y);
        if (image.width > 1) countPixel(half, image, image.width - 1, y);
    }
    reading.top = majority(top, &reading.topShare);
    reading.bottom = majority(bottom, &reading.bottomShare);
    return reading;
}

int ColourMask::count() const {
    return static_cast<int>(std::count(bits.begin(), bits.end(), uint8_t{1}));
}

ColourMask withoutThinLines(const ColourMask& mask) {
    ColourMask kept = mask;
    const int w = mask.width, h = mask.height;
    std::vector<int> across(mask.bits.size()), down(mask.bits.size());
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w;) {
            int end = x;
            while (end < w && mask.at(end, y))
                ++end;
            for (int k = x; k < end; ++k)
                across[static_cast<size_t>(y) * w + k] = end - x;
            x = std::max(end, x + 1);
        }
    for (int x = 0; x < w; ++x)
        for (int y = 0; y < h;) {
            int end = y;
            while (end < h && mask.at(x, end))
                ++end;
            for (int k = y; k < end; ++k)
                down[static_cast<size_t>(k) * w + x] = end - y;
            y = std::max(end, y + 1);
        }
    const int longAcross = std::max(3, w / 2), longDown = std::max(3, h / 2);
    for (size_t i = 0; i < kept.bits.size(); ++i)
        if ((down[i] <= 2 && across[i] >= longAcross) || (across[i] <= 2 && down[i] >= longDown))
            kept.bits[i] = 0;
    return kept;
}

namespace {

constexpr int8_t kUnclear = -1;

// classifyPixel() of every pixel, as a colour index or kUnclear.
std::vector<int8_t> labelsOf(const ImageRgba8& image) {
    std::vector<int8_t> labels(static_cast<size_t>(image.width) * image.height);
    for (size_t i = 0; i < labels.size(); ++i) {
        const uint8_t* p = image.pixels.data() + i * 4;
        const auto c = classifyPixel(p[0], p[1], p[2], p[3]);
        labels[i] = c ? static_cast<int8_t>(*c) : kUnclear;
    }
    return labels;
}

ColourMask maskOfLabels(const ImageRgba8& image, const std::vector<int8_t>& labels, Colour colour) {
    ColourMask mask{image.width, image.height, std::vector<uint8_t>(labels.size())};
    for (size_t i = 0; i < labels.size(); ++i)
        mask.bits[i] = labels[i] == static_cast<int8_t>(colour);
    return mask;
}

} // namespace

ColourMask maskOf(const ImageRgba8& image, Colour colour) {
    return maskOfLabels(image, labelsOf(image), colour);
}

std::optional<Point> coverageCentroid(const ColourMask& mask) {
    double sx = 0, sy = 0;
    long n = 0;
    for (int y = 0; y < mask.height; ++y)
        for (int x = 0; x < mask.width; ++x)
            if (mask.at(x, y)) sx += x + 0.5, sy += y + 0.5, ++n;
    if (!n) return std::nullopt;
    return Point{sx / n / mask.width, sy / n / mask.height};
}

Position positionOf(Point centroid) {
    const double dx = centroid.x - 0.5, dy = centroid.y - 0.5;
    if (std::abs(dx) < kCentreBox && std::abs(dy) < kCentreBox) return Position::Centre;
    if (std::abs(dx) >= std::abs(dy)) return dx < 0 ? Position::Left : Position::Right;
    return dy < 0 ? Position::Top : Position::Bottom;
}

Point Blob::centroid() const {
    double sx = 0, sy = 0;
    for (int i : pixels)
        sx += i % width + 0.5, sy += i / width + 0.5;
    const double n = std::max<size_t>(pixels.size(), 1);
    return {sx / n / width, sy / n / height};
}

double Blob::extent() const {
    return static_cast<double>(std::max(x1 - x0 + 1, y1 - y0 + 1)) / std::max({width, height, 1});
}

std::vector<Blob> blobsOf(const ColourMask& mask, int minArea) {
    std::vector<Blob> blobs;
    std::vector<uint8_t> seen(mask.bits.size());
    std::vector<int> stack;
    const int w = mask.width, h = mask.height;
    for (int start = 0; start < w * h; ++start) {
        if (!mask.bits[start] || seen[start]) continue;
        Blob blob{{}, w, h, w, h, -1, -1, 0, false};
        stack.assign(1, start);
        seen[start] = 1;
        while (!stack.empty()) {
            const int i = stack.back();
            stack.pop_back();
            blob.pixels.push_back(i);
            const int x = i % w, y = i / w;
            blob.x0 = std::min(blob.x0, x), blob.x1 = std::max(blob.x1, x);
            blob.y0 = std::min(blob.y0, y), blob.y1 = std::max(blob.y1, y);
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) blob.touchesBorder = true;
            int neighbours = 0;
            const int next[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
            for (const auto& n : next) {
                if (n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h) continue;
                const int j = n[1] * w + n[0];
                if (!mask.bits[j]) continue;
                ++neighbours;
                if (!seen[j]) seen[j] = 1, stack.push_back(j);
            }
            blob.interior += neighbours == 4;
        }
        if (blob.area() >= minArea) {
            std::sort(blob.pixels.begin(), blob.pixels.end());
            blobs.push_back(std::move(blob));
        }
    }
    std::stable_sort(blobs.begin(), blobs.end(),
                     [](const Blob& a, const Blob& b) { return a.area() > b.area(); });
    return blobs;
}

namespace {

// The blob's pixels plus its holes (pixels of its bounding box that the outside cannot reach), so that noise
// speckles inside an object do not change its shape measures.
std::vector<int> filledPixels(const Blob& blob) {
    const int bw = blob.x1 - blob.x0 + 3, bh = blob.y1 - blob.y0 + 3; // box with a one-pixel frame
    std::vector<uint8_t> state(static_cast<size_t>(bw) * bh);         // 0 unknown, 1 blob, 2 outside
    for (int i : blob.pixels)
        state[static_cast<size_t>(i / blob.width - blob.y0 + 1) * bw + (i % blob.width - blob.x0 + 1)] = 1;
    std::vector<int> stack{0};
    state[0] = 2;
    while (!stack.empty()) {
        const int i = stack.back();
        stack.pop_back();
        const int x = i % bw, y = i / bw;
        const int next[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
        for (const auto& n : next) {
            if (n[0] < 0 || n[1] < 0 || n[0] >= bw || n[1] >= bh) continue;
            const int j = n[1] * bw + n[0];
            if (state[j] == 0) state[j] = 2, stack.push_back(j);
        }
    }
    std::vector<int> pixels;
    for (int y = 1; y + 1 < bh; ++y)
        for (int x = 1; x + 1 < bw; ++x)
            if (state[static_cast<size_t>(y) * bw + x] != 2)
                pixels.push_back((blob.y0 + y - 1) * blob.width + blob.x0 + x - 1);
    return pixels;
}

} // namespace

ShapeFeatures shapeFeatures(const Blob& holed) {
    ShapeFeatures f;
    if (holed.pixels.empty()) return f;
    Blob blob = holed;
    blob.pixels = filledPixels(holed);
    f.area = blob.area();
    // The hull of the pixels' corners only needs the first and last pixel of each row.
    const int rows = blob.y1 - blob.y0 + 1;
    std::vector<int> left(rows, blob.width), right(rows, -1);
    double cx = 0, cy = 0;
    for (int i : blob.pixels) {
        const int x = i % blob.width, y = i / blob.width;
        left[y - blob.y0] = std::min(left[y - blob.y0], x);
        right[y - blob.y0] = std::max(right[y - blob.y0], x);
        cx += x + 0.5, cy += y + 0.5;
    }
    cx /= f.area, cy /= f.area;
    std::vector<Point> corners;
    for (int r = 0; r < rows; ++r) {
        if (right[r] < 0) continue;
        const double y = blob.y0 + r;
        corners.insert(
            corners.end(),
            {{double(left[r]), y}, {double(left[r]), y + 1}, {right[r] + 1.0, y}, {right[r] + 1.0, y + 1}});
    }
    double farthest = 0;
    for (int i : blob.pixels) {
        const double dx = i % blob.width + 0.5 - cx, dy = i / blob.width + 0.5 - cy;
        farthest = std::max(farthest, dx * dx + dy * dy);
    }
    const double radius = std::sqrt(farthest) + 0.5;
    f.solidity = std::min(1.0, f.area / std::max(convexHullArea(std::move(corners)), 1.0));
    f.roundness = f.area / (std::numbers::pi * radius * radius);
    f.boxFill = static_cast<double>(f.area) / ((blob.x1 - blob.x0 + 1) * (blob.y1 - blob.y0 + 1));
    return f;
}

Shape classifyShape(const ShapeFeatures& f) {
    if (f.solidity < kStarSolidity) return Shape::Star;
    if (f.roundness >= kCircleRoundness) return Shape::Circle;
    if (f.roundness >= kSquareRoundness) return Shape::Square;
    return Shape::Triangle;
}

Size sizeOf(const Blob& blob) {
    return blob.extent() >= kLargeThreshold ? Size::Large : Size::Small;
}

bool CheckResult::passed() const {
    return std::all_of(checks.begin(), checks.end(), [](const AttributeCheck& c) { return c.pass; });
}

std::string CheckResult::summary() const {
    std::string text;
    for (const AttributeCheck& c : checks) {
        if (!text.empty()) text += '\n';
        text += (c.pass ? "PASS " : "FAIL ") + c.attribute + ": expected " + c.expected + ", measured " +
                c.measured;
    }
    return text;
}

CheckResult checkPrompt(const ImageRgba8& image, const ScenePrompt& prompt) {
    CheckResult result;
    const BackgroundReading background = readBackground(image);
    if (prompt.background) {
        const Colour top = *prompt.background, bottom = prompt.backgroundBottom.value_or(top);
        result.checks.push_back({"background", background.top == top && background.bottom == bottom,
                                 backgroundName(top, bottom),
                                 backgroundName(background.top, background.bottom)});
    }
    if (prompt.objects.empty()) return result;

    // Candidate blobs per colour, each measured once.
    const int minArea = std::max(1, static_cast<int>(std::ceil(kMinBlobShare * image.width * image.height)));
    std::vector<std::vector<Blob>> blobsByColour(kColourCount);
    std::vector<Candidate> candidates;
    std::map<Colour, std::vector<int>> candidatesOf;
    auto wanted = [&](Colour c) {
        for (const ObjectPrompt& o : prompt.objects)
            if (!o.colour || *o.colour == c) return true;
        return false;
    };
    const std::vector<int8_t> labels = labelsOf(image);
    for (Colour colour : kColours) {
        if (!wanted(colour)) continue;
        auto& blobs = blobsByColour[static_cast<int>(colour)];
        blobs = blobsOf(withoutThinLines(maskOfLabels(image, labels, colour)), minArea);
        const bool isBackground = background.top == colour || background.bottom == colour;
        for (const Blob& blob : blobs) {
            if (candidatesOf[colour].size() == kCandidatesPerColour) break;
            if (blob.interior == 0 || (isBackground && blob.touchesBorder)) continue;
            const ShapeFeatures features = shapeFeatures(blob);
            candidatesOf[colour].push_back(static_cast<int>(candidates.size()));
            candidates.push_back({colour, &blob, features, classifyShape(features), sizeOf(blob),
                                  positionOf(blob.centroid())});
        }
    }

    std::vector<std::vector<int>> options;
    for (const ObjectPrompt& o : prompt.objects) {
        std::vector<int> list;
        for (Colour colour : kColours)
            if (!o.colour || *o.colour == colour)
                list.insert(list.end(), candidatesOf[colour].begin(), candidatesOf[colour].end());
        options.push_back(std::move(list));
    }
    Assignment best, current;
    current.score = 0;
    if (prompt.objects.size() <= 3) {
        search(prompt, options, candidates, 0, current, best);
    } else { // exhaustive search grows too fast: take each object's best free blob in turn
        for (size_t i = 0; i < prompt.objects.size(); ++i) {
            int chosen = -1, chosenScore = -1;
            for (int c : options[i]) {
                if (std::find(best.chosen.begin(), best.chosen.end(), c) != best.chosen.end()) continue;
                const int s = matches(prompt.objects[i], candidates[c]);
                if (s > chosenScore) chosen = c, chosenScore = s;
            }
            best.chosen.push_back(chosen);
        }
    }

    for (size_t i = 0; i < prompt.objects.size(); ++i) {
        const ObjectPrompt& o = prompt.objects[i];
        const std::string label = "object " + std::to_string(i + 1) + " ";
        const int chosen = best.chosen[i];
        if (chosen < 0) {
            result.checks.push_back(
                {label + "colour", false, o.colour ? std::string(nameOf(*o.colour)) : "any", "no blob"});
            if (o.shape)
                result.checks.push_back({label + "shape", false, std::string(nameOf(*o.shape)), "no blob"});
            if (o.size)
                result.checks.push_back({label + "size", false, std::string(nameOf(*o.size)), "no blob"});
            if (o.position)
                result.checks.push_back(
                    {label + "position", false, std::string(nameOf(*o.position)), "no blob"});
            continue;
        }
        const Candidate& c = candidates[chosen];
        result.checks.push_back(
            {label + "colour", true, o.colour ? std::string(nameOf(*o.colour)) : "any",
             std::string(nameOf(c.colour)) + " (" + std::to_string(c.blob->area()) + " px)"});
        if (o.shape)
            result.checks.push_back(
                {label + "shape", c.shape == *o.shape, std::string(nameOf(*o.shape)),
                 std::string(nameOf(c.shape)) + format(" (solidity %.2f, roundness %.2f, box fill %.2f)",
                                                       c.features.solidity, c.features.roundness,
                                                       c.features.boxFill)});
        if (o.size)
            result.checks.push_back(
                {label + "size", c.size == *o.size, std::string(nameOf(*o.size)),
                 std::string(nameOf(c.size)) + format(" (extent %.2f)", c.blob->extent())});
        if (o.position) {
            const Point p = c.blob->centroid();
            result.checks.push_back(
                {label + "position", c.position == *o.position, std::string(nameOf(*o.position)),
                 std::string(nameOf(c.position)) + format(" (centroid %.2f, %.2f)", p.x, p.y)});
        }
    }
    return result;
}

} // namespace gesso::demo
