#include "ui/preview_thumbnails.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtGui/QImageReader>
#include <QtGui/QPainter>

namespace gesso::ui {

namespace {

QPixmap makePlaceholder(int size) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(QColor(128, 128, 128, 160), 1.0));
    p.setBrush(QColor(128, 128, 128, 50));
    p.drawRoundedRect(QRectF(1.5, 1.5, size - 3, size - 3), 4, 4);
    return pixmap;
}

// Worker thread: the first candidate that decodes, scaled to fit `size` (centre-cropped to a square).
QImage loadPreview(const QString& modelPath, int size) {
    for (const QString& file : PreviewThumbnails::candidates(modelPath)) {
        if (!QFileInfo::exists(file)) continue;
        QImageReader reader(file);
        reader.setAutoTransform(true);
        const QSize full = reader.size();
        if (full.isValid() && !full.isEmpty())
            reader.setScaledSize(full.scaled(size, size, Qt::KeepAspectRatioByExpanding));
        QImage image = reader.read();
        if (image.isNull()) continue;
        if (image.width() > size || image.height() > size) {
            image = image.scaled(size, size, Qt::KeepAspectRatioByExpanding, Qt::SmoothTransformation);
            image = image.copy((image.width() - size) / 2, (image.height() - size) / 2, size, size);
        }
        return image;
    }
    return {};
}

} // namespace

PreviewThumbnails::PreviewThumbnails(int size, QObject* parent)
    : QObject(parent), m_size(size), m_placeholder(makePlaceholder(size)) {
    m_pool.setMaxThreadCount(1); // one disk read at a time; the GUI never waits on it
}

PreviewThumbnails::~PreviewThumbnails() {
    m_pool.clear();
    m_pool.waitForDone();
}

QStringList PreviewThumbnails::candidates(const QString& modelPath) {
    const QFileInfo info(modelPath);
    const QString stem = info.dir().filePath(info.completeBaseName());
    QStringList out;
    const bool webp = QImageReader::supportedImageFormats().contains("webp");
    for (const char* ext : {"png", "jpg", "jpeg", "webp"}) {
        if (QByteArray(ext) == "webp" && !webp) continue;
        out << stem + ".preview." + ext << stem + "." + ext;
    }
    return out;
}

QPixmap PreviewThumbnails::thumbnail(const QString& modelPath) {
    if (auto it = m_done.constFind(modelPath); it != m_done.constEnd())
        return it->isNull() ? m_placeholder : *it;
    if (!m_pending.contains(modelPath)) {
        m_pending.insert(modelPath);
        const int size = m_size;
        m_pool.start([this, modelPath, size] {
            const QImage image = loadPreview(modelPath, size);
            // Delivered on the GUI thread; dropped if this object is gone (the destructor waits for us).
            QMetaObject::invokeMethod(
                this, [this, modelPath, image] { finished(modelPath, image); }, Qt::QueuedConnection);
        });
    }
    return m_placeholder;
}

void PreviewThumbnails::forgetMissing() {
    for (auto it = m_done.begin(); it != m_done.end();)
        it = it->isNull() ? m_done.erase(it) : std::next(it);
}

bool PreviewThumbnails::hasPreview(const QString& modelPath) const {
    auto it = m_done.constFind(modelPath);
    return it != m_done.constEnd() && !it->isNull();
}

void PreviewThumbnails::finished(const QString& modelPath, const QImage& image) {
    m_pending.remove(modelPath);
    m_done.insert(modelPath, image.isNull() ? QPixmap() : QPixmap::fromImage(image));
    Q_EMIT ready(modelPath);
}

} // namespace gesso::ui
