#pragma once
// Plain pixel buffers passed between the document, the engine and file I/O. No Qt types: core/ is headless;
// ui/ wraps them in QImage without copying where it can.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gesso {

// 8-bit RGBA, straight (non-premultiplied) alpha, rows top to bottom, no padding.
struct ImageRgba8 {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels; // width * height * 4
    bool empty() const { return width <= 0 || height <= 0; }
    uint8_t* pixel(int x, int y) { return pixels.data() + (static_cast<size_t>(y) * width + x) * 4; }
    const uint8_t* pixel(int x, int y) const {
        return pixels.data() + (static_cast<size_t>(y) * width + x) * 4;
    }
    static ImageRgba8 filled(int width, int height, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
        ImageRgba8 image{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 4)};
        for (size_t i = 0; i < image.pixels.size(); i += 4) {
            image.pixels[i] = r;
            image.pixels[i + 1] = g;
            image.pixels[i + 2] = b;
            image.pixels[i + 3] = a;
        }
        return image;
    }
};

// 8-bit single channel (masks: 255 = repaint, 0 = keep).
struct ImageGray8 {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels; // width * height
    bool empty() const { return width <= 0 || height <= 0; }
};

} // namespace gesso
