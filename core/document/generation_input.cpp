#include "core/document/generation_input.h"

#include "core/document/composite.h"
#include "core/document/outpaint_fill.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gesso::document {

bool hasPaint(const Document& document, Rect rect) {
    // Scans the layers instead of compositing (a 4096x4096 region would take seconds): the region is flat
    // when every visible layer is uniform over it (all transparent pixels count as equal) and covers it
    // completely or not at all: a stack of uniform full-cover layers composites to one colour.
    rect = rect.intersected(document.bounds());
    if (rect.empty()) return false;
    for (const Layer& layer : document.layers()) {
        if (!layer.visible || layer.opacity <= 0.0 || layer.pixels.empty()) continue;
        Rect area = layer.bounds().intersected(rect);
        if (area.empty()) continue;
        const uint8_t* first = layer.pixels.pixel(area.x - layer.offsetX, area.y - layer.offsetY);
        for (int y = area.y; y < area.bottom(); ++y) {
            const uint8_t* p = layer.pixels.pixel(area.x - layer.offsetX, y - layer.offsetY);
            for (int x = 0; x < area.width; ++x, p += 4) {
                if (first[3] == 0 ? p[3] != 0 : std::memcmp(first, p, 4) != 0) return true;
            }
        }
        if (first[3] == 0) continue;   // transparent over the whole area: invisible
        if (area != rect) return true; // a uniform layer with an edge inside the region
    }
    return false;
}

bool hasEmptyArea(const Document& document, Rect rect) {
    rect = rect.intersected(document.bounds());
    if (rect.empty()) return false;
    const auto shows = [](const Layer& layer) {
        return layer.visible && layer.opacity > 0.0 && !layer.pixels.empty();
    };
    // Usually one opaque layer (the background) covers the region: nothing can be empty.
    for (const Layer& layer : document.layers()) {
        if (!shows(layer) || layer.bounds().intersected(rect) != rect) continue;
        bool opaque = true;
        for (int y = rect.y; y < rect.bottom() && opaque; ++y) {
            const uint8_t* p = layer.pixels.pixel(rect.x - layer.offsetX, y - layer.offsetY);
            for (int x = 0; x < rect.width; ++x, p += 4)
                if (p[3] != 255) {
                    opaque = false;
                    break;
                }
        }
        if (opaque) return false;
    }
    std::vector<uint8_t> covered(size_t(rect.width) * rect.height, 0);
    for (const Layer& layer : document.layers()) {
        if (!shows(layer)) continue;
        const Rect area = layer.bounds().intersected(rect);
        for (int y = area.y; y < area.bottom(); ++y) {
            const uint8_t* p = layer.pixels.pixel(area.x - layer.offsetX, y - layer.offsetY);
            uint8_t* c = &covered[size_t(y - rect.y) * rect.width + (area.x - rect.x)];
            for (int x = 0; x < area.width; ++x, p += 4)
                c[x] |= p[3] != 0;
        }
    }
    return std::find(covered.begin(), covered.end(), 0) != covered.end();
}

generation::Mode suggestedMode(const Document& document) {
    Rect region = document.region();
    Rect mask = document.maskBounds();
    if (!mask.intersected(region).empty()) return generation::Mode::Inpaint;
    if (!hasPaint(document, region)) return generation::Mode::Txt2Img;
    return hasEmptyArea(document, region) ? generation::Mode::Inpaint : generation::Mode::Img2Img;
}

std::pair<int, int> autoSize(Rect region, int longSide) {
    double scale = std::min(1.0, static_cast<double>(longSide) / std::max({region.width, region.height, 1}));
    auto snap = [&](int v) { return std::max(64, static_cast<int>(v * scale) / 8 * 8); };
    return {snap(region.width), snap(region.height)};
}

Rect fittedRect(Rect region, int width, int height) {
    if (width <= 0 || height <= 0 || region.empty()) return region;
    const double scale =
        std::min(static_cast<double>(region.width) / width, static_cast<double>(region.height) / height);
    const int w = std::clamp(static_cast<int>(std::lround(width * scale)), 1, region.width);
    const int h = std::clamp(static_cast<int>(std::lround(height * scale)), 1, region.height);
    return {region.x + (region.width - w) / 2, region.y + (region.height - h) / 2, w, h};
}

Rect generationArea(const Document& document) {
    const Rect region = document.region();
    const auto& settings = document.settings();
    if (settings.width <= 0 || settings.height <= 0 || region.empty()) return region;
    const double wanted = static_cast<double>(settings.width) / settings.height;
    const double actual = static_cast<double>(region.width) / region.height;
    if (std::abs(wanted / actual - 1.0) <= 0.02) return region;
    return fittedRect(region, settings.width, settings.height);
}

namespace {

// The painted mask inside `region`, raised to emptyAreaRamp over the empty canvas there (`composed`: the
// region's composite).
ImageGray8 repaintMask(const Document& document, Rect region, const ImageRgba8& composed) {
    ImageGray8 mask = crop(document.mask(), region);
    const ImageGray8 empty = emptyAreaRamp(composed, kOutpaintFeather);
    for (size_t i = 0; i < mask.pixels.size(); ++i)
        mask.pixels[i] = std::max(mask.pixels[i], empty.pixels[i]);
    return mask;
}

bool anyTransparent(const ImageRgba8& image) {
    for (size_t i = 3; i < image.pixels.size(); i += 4)
        if (image.pixels[i] == 0) return true;
    return false;
}

// `request` (settings, mode and size set) with the init image and mask cut from `region`. Empty canvas in
// the region is outpainted: pre-filled from the colours around it and part of the inpainting mask.
void addImages(generation::GenerationRequest& request, const Document& document, Rect region) {
    request.initImage = {};
    request.mask = {};
    if (request.mode == generation::Mode::Txt2Img) return;
    const ImageRgba8 composed = composite(document, region);
    const ImageRgba8 init =
        anyTransparent(composed) ? fillFromEdges(composed) : flattenOnto(composed, 255, 255, 255);
    request.initImage = resized(init, request.width, request.height);
    if (request.mode == generation::Mode::Inpaint)
        request.mask = resized(repaintMask(document, region, composed), request.width, request.height);
}

} // namespace

generation::GenerationRequest buildRequest(const Document& document, std::optional<generation::Mode> mode,
                                           int longSide) {
    generation::GenerationRequest request;
    static_cast<generation::GenerationSettings&>(request) = document.settings();
    Rect region = generationArea(document);
    request.mode = mode.value_or(suggestedMode(document));
    if (request.width <= 0 || request.height <= 0) {
        auto [w, h] = autoSize(region, longSide);
        request.width = w;
        request.height = h;
    }
    addImages(request, document, region);
    return request;
}

generation::GenerationRequest buildLiveRequest(const Document& document,
                                               const generation::GenerationSettings& settings,
                                               double strength, int64_t seed, int longSide) {
    generation::GenerationRequest request;
    static_cast<generation::GenerationSettings&>(request) = settings;
    const Rect region = document.region();
    request.mode = suggestedMode(document) == generation::Mode::Inpaint ? generation::Mode::Inpaint
                                                                        : generation::Mode::Img2Img;
    auto [w, h] = autoSize(region, longSide);
    request.width = w;
    request.height = h;
    request.strength = strength;
    request.seed = seed;
    request.batch = 1;
    addImages(request, document, region);
    return request;
}

ImageRgba8 resultPixels(const Document& document, const ImageRgba8& image, Rect region,
                        generation::Mode mode) {
    ImageRgba8 pixels = resized(image, region.width, region.height);
    if (mode == generation::Mode::Inpaint) {
        // Compositing the region only when it has empty canvas to cover (staged previews call this too).
        const ImageGray8 mask = hasEmptyArea(document, region)
                                    ? repaintMask(document, region, composite(document, region))
                                    : crop(document.mask(), region);
        for (size_t i = 0; i < mask.pixels.size(); ++i)
            pixels.pixels[i * 4 + 3] = static_cast<uint8_t>(pixels.pixels[i * 4 + 3] * mask.pixels[i] / 255);
    }
    return pixels;
}

Layer resultLayer(Document& document, const ImageRgba8& image, Rect region, generation::Mode mode,
                  const std::string& name) {
    Layer layer;
    layer.id = document.newLayerId();
    layer.name = name;
    layer.offsetX = region.x;
    layer.offsetY = region.y;
    layer.pixels = resultPixels(document, image, region, mode);
    return layer;
}

} // namespace gesso::document
