#include "core/project/openraster.h"

#include "core/imageio/image_codec.h"
#include "core/project/compositing.h"
#include "core/runtime/error.h"

#include <QtCore/QByteArray>
#include <QtCore/QXmlStreamReader>
#include <QtCore/QXmlStreamWriter>

#include <cmath>
#include <optional>

namespace gesso::project {
namespace {

constexpr int kThumbnailSide = 256;
constexpr int kMaxOffset = 1 << 24; // pixels; keeps offset arithmetic far from int overflow

struct StackContext {
    int x = 0;
    int y = 0;
    double opacity = 1.0;
    bool visible = true;
};

std::optional<double> attributeNumber(const QXmlStreamAttributes& attributes, const char* name,
                                      const std::string& label) {
    if (!attributes.hasAttribute(QLatin1String(name))) return std::nullopt;
    bool ok = false;
    const double value = attributes.value(QLatin1String(name)).toDouble(&ok);
    if (!ok || !std::isfinite(value))
        throw Error(label + ": stack.xml attribute " + name + "=\"" +
                    attributes.value(QLatin1String(name)).toString().toStdString() + "\" is not a number");
    return value;
}

int offsetAttribute(const QXmlStreamAttributes& attributes, const char* name, const std::string& label) {
    const double value = attributeNumber(attributes, name, label).value_or(0.0);
    if (std::fabs(value) > kMaxOffset) throw Error(label + ": stack.xml offset " + name + " is out of range");
    return static_cast<int>(std::lround(value));
}

// base + the offset attribute `name`; nested stacks add up, so the sum is bounded too.
int addOffset(int base, const QXmlStreamAttributes& attributes, const char* name, const std::string& label) {
    const int64_t sum = int64_t(base) + offsetAttribute(attributes, name, label);
    if (sum < -kMaxOffset || sum > kMaxOffset)
        throw Error(label + ": stack.xml offset " + name + " is out of range");
    return static_cast<int>(sum);
}

double opacityAttribute(const QXmlStreamAttributes& attributes, const std::string& label) {
    return std::clamp(attributeNumber(attributes, "opacity", label).value_or(1.0), 0.0, 1.0);
}

bool visibilityAttribute(const QXmlStreamAttributes& attributes) {
    return attributes.value(QLatin1String("visibility")) != QLatin1String("hidden");
}

std::string formatNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

QByteArray writeStackXml(const OraImage& image, const std::vector<std::string>& sources) {
    QByteArray xml;
    QXmlStreamWriter writer(&xml);
    writer.setAutoFormatting(true);
    writer.writeStartDocument();
    writer.writeStartElement("image");
    writer.writeAttribute("version", "0.0.6");
    writer.writeAttribute("w", QString::number(image.width));
    writer.writeAttribute("h", QString::number(image.height));
    writer.writeAttribute("xres", QString::fromStdString(formatNumber(image.xres)));
    writer.writeAttribute("yres", QString::fromStdString(formatNumber(image.yres)));
    writer.writeStartElement("stack");
    for (size_t i = 0; i < image.layers.size(); ++i) {
        const OraLayer& layer = image.layers[i];
        writer.writeStartElement("layer");
        writer.writeAttribute("name", QString::fromStdString(layer.name));
        writer.writeAttribute("src", QString::fromStdString(sources[i]));
        writer.writeAttribute("x", QString::number(layer.x));
        writer.writeAttribute("y", QString::number(layer.y));
        writer.writeAttribute("opacity", QString::fromStdString(formatNumber(layer.opacity)));
        writer.writeAttribute("visibility", layer.visible ? "visible" : "hidden");
        writer.writeAttribute(
            "composite-op",
            QString::fromStdString(layer.compositeOp.empty() ? "svg:src-over" : layer.compositeOp));
        writer.writeEndElement();
    }
    writer.writeEndElement(); // stack
    writer.writeEndElement(); // image
    writer.writeEndDocument();
    return xml;
}

} // namespace

std::string oraLayerEntryName(size_t indexFromTop, size_t count) {
    return "data/layer" + std::to_string(count - 1 - indexFromTop) + ".png";
}

std::vector<uint8_t> encodeOpenRaster(const OraImage& image, const std::vector<ZipEntry>& extraEntries) {
    if (image.width <= 0 || image.height <= 0) throw Error("cannot save an image without a canvas size");
    std::vector<ZipEntry> entries;
    entries.push_back({"mimetype", std::vector<uint8_t>(kOraMimeType, kOraMimeType + 16), true});

    std::vector<std::string> sources(image.layers.size());
    std::vector<ZipEntry> layerEntries;
    for (size_t i = 0; i < image.layers.size(); ++i) {
        const OraLayer& layer = image.layers[i];
        if (layer.image.empty()) throw Error("layer '" + layer.name + "' has no pixels");
        sources[i] = oraLayerEntryName(i, image.layers.size());
        layerEntries.push_back({sources[i], imageio::encodePng(layer.image), true});
    }
    const QByteArray xml = writeStackXml(image, sources);
    entries.push_back({"stack.xml", std::vector<uint8_t>(xml.begin(), xml.end()), false});
    for (auto& entry : layerEntries)
        entries.push_back(std::move(entry));

    const ImageRgba8 merged = flatten(image);
    entries.push_back({"mergedimage.png", imageio::encodePng(merged), true});
    entries.push_back(
        {"Thumbnails/thumbnail.png", imageio::encodePng(scaleToFit(merged, kThumbnailSide)), true});
    for (const auto& entry : extraEntries)
        entries.push_back(entry);
    return writeZip(entries);
}

OraImage decodeOpenRaster(const ZipReader& archive, const imageio::ImageLimits& limits) {
    const std::string& label = archive.label();
    if (!archive.contains("mimetype")) throw Error(label + ": not an OpenRaster file (no mimetype entry)");
    const std::vector<uint8_t> mime = archive.read("mimetype");
    std::string mimeText(mime.begin(), mime.end());
    while (!mimeText.empty() && (mimeText.back() == '\n' || mimeText.back() == '\r'))
        mimeText.pop_back();
    if (mimeText != kOraMimeType)
        throw Error(label + ": not an OpenRaster file (mimetype is '" + mimeText.substr(0, 64) + "')");
    if (!archive.contains("stack.xml")) throw Error(label + ": OpenRaster file has no stack.xml");
    const std::vector<uint8_t> xmlBytes = archive.read("stack.xml");

    OraImage image;
    QXmlStreamReader xml(
        QByteArray(reinterpret_cast<const char*>(xmlBytes.data()), static_cast<qsizetype>(xmlBytes.size())));
    std::vector<StackContext> stacks;
    bool sawImage = false;
    while (!xml.atEnd()) {
        const auto token = xml.readNext();
        if (token == QXmlStreamReader::StartElement) {
            const auto name = xml.name();
            const auto attributes = xml.attributes();
            if (name == QLatin1String("image")) {
                if (sawImage) throw Error(label + ": stack.xml has more than one image element");
                sawImage = true;
                const auto w = attributeNumber(attributes, "w", label);
                const auto h = attributeNumber(attributes, "h", label);
                if (!w || !h) throw Error(label + ": stack.xml image element has no w/h canvas size");
                // Clamped first: a double outside int64's range does not convert (UB); the limits reject
                // anything over int's range.
                imageio::checkImageSize(static_cast<int64_t>(std::clamp(*w, -1.0, 4e9)),
                                        static_cast<int64_t>(std::clamp(*h, -1.0, 4e9)), limits,
                                        label + " (canvas)");
                image.width = static_cast<int>(*w);
                image.height = static_cast<int>(*h);
                image.xres = attributeNumber(attributes, "xres", label).value_or(72.0);
                image.yres = attributeNumber(attributes, "yres", label).value_or(72.0);
            } else if (!sawImage) {
                throw Error(label + ": stack.xml does not start with an image element");
            } else if (name == QLatin1String("stack")) {
                if (stacks.size() > 256) throw Error(label + ": stack.xml nests stacks too deeply");
                StackContext context = stacks.empty() ? StackContext{} : stacks.back();
                if (!stacks.empty()) { // the root stack's attributes are ignored, as the spec says
                    context.x = addOffset(context.x, attributes, "x", label);
                    context.y = addOffset(context.y, attributes, "y", label);
                    context.opacity *= opacityAttribute(attributes, label);
                    context.visible = context.visible && visibilityAttribute(attributes);
                }
                stacks.push_back(context);
            } else if (name == QLatin1String("layer")) {
                if (stacks.empty()) throw Error(label + ": stack.xml has a layer outside any stack");
                const StackContext& parent = stacks.back();
                OraLayer layer;
                layer.name = attributes.value(QLatin1String("name")).toString().toStdString();
                layer.source = attributes.value(QLatin1String("src")).toString().toStdString();
                layer.x = addOffset(parent.x, attributes, "x", label);
                layer.y = addOffset(parent.y, attributes, "y", label);
                layer.opacity = parent.opacity * opacityAttribute(attributes, label);
                layer.visible = parent.visible && visibilityAttribute(attributes);
                if (attributes.hasAttribute(QLatin1String("composite-op")))
                    layer.compositeOp =
                        attributes.value(QLatin1String("composite-op")).toString().toStdString();
                if (layer.compositeOp != "svg:src-over")
                    image.warnings.push_back("layer '" + layer.name + "' uses blend mode " +
                                             layer.compositeOp + "; it is composited as normal");
                auto endsWith = [](const std::string& s, const std::string& suffix) {
                    return s.size() >= suffix.size() &&
                           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
                };
                std::string lowerSource = layer.source;
                std::transform(lowerSource.begin(), lowerSource.end(), lowerSource.begin(),
                               [](unsigned char c) { return std::tolower(c); });
                if (layer.source.empty()) throw Error(label + ": layer '" + layer.name + "' has no src");
                if (!endsWith(lowerSource, ".png")) {
                    image.warnings.push_back("layer '" + layer.name + "' (" + layer.source +
                                             ") is not a PNG layer and was skipped");
                    continue;
                }
                if (!archive.contains(layer.source))
                    throw Error(label + ": layer '" + layer.name + "' refers to missing entry '" +
                                layer.source + "'");
                const std::vector<uint8_t> png = archive.read(layer.source);
                layer.image = imageio::decodeImage(png, "png", label + ": " + layer.source, limits).image;
                if (image.layers.size() >= 10000) throw Error(label + ": too many layers");
                image.layers.push_back(std::move(layer));
            }
        } else if (token == QXmlStreamReader::EndElement) {
            if (xml.name() == QLatin1String("stack") && !stacks.empty()) stacks.pop_back();
        }
    }
    if (xml.hasError())
        throw Error(label + ": stack.xml is malformed (line " + std::to_string(xml.lineNumber()) + ": " +
                    xml.errorString().toStdString() + ")");
    if (!sawImage) throw Error(label + ": stack.xml has no image element");
    return image;
}

} // namespace gesso::project
