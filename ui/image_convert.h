#pragma once
// Conversions between core's plain buffers and QImage. GUI thread or any thread (pure functions).
#include <cstddef>

#include "core/image/image.h"

#include <QtGui/QImage>

namespace gesso::ui {

// Deep copy into a QImage (Format_RGBA8888, straight alpha: the same byte layout as ImageRgba8).
QImage toQImage(const ImageRgba8& image);
ImageRgba8 fromQImage(const QImage& image);

} // namespace gesso::ui
