#include "ui/message_banner.h"

#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QPainter>
#include <QtGui/QTextLayout>

namespace gesso::ui {

namespace {
constexpr int kPadding = 5;
} // namespace

MessageBanner::MessageBanner(QWidget* parent) : QLabel(parent) {
    QSizePolicy policy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    policy.setRetainSizeWhenHidden(true);
    setSizePolicy(policy);
    setFixedHeight(kLines * fontMetrics().lineSpacing() + 2 * kPadding);
    setContextMenuPolicy(Qt::ActionsContextMenu);
    m_copy = new QAction(tr("Copy"), this);
    m_copy->setObjectName("copyMessage");
    connect(m_copy, &QAction::triggered, this, [this] { QGuiApplication::clipboard()->setText(text()); });
    addAction(m_copy);
    auto* dismiss = new QAction(tr("Dismiss"), this);
    dismiss->setObjectName("dismissMessage");
    connect(dismiss, &QAction::triggered, this, &QWidget::hide);
    addAction(dismiss);
    hide();
}

void MessageBanner::showMessage(const QString& text, bool error) {
    m_error = error;
    setText(text);
    // Rich text, so the tooltip wraps (a plain-text tooltip is one line as wide as the text).
    setToolTip("<p style='white-space:pre-wrap'>" + text.toHtmlEscaped() + "</p>");
    show();
    update();
}

QSize MessageBanner::sizeHint() const {
    return {0, height()};
}

QSize MessageBanner::minimumSizeHint() const {
    return {0, height()};
}

QRect MessageBanner::textRect() const {
    return rect().adjusted(kPadding + 1, kPadding, -kPadding - 1, -kPadding);
}

QStringList MessageBanner::visibleLines(const QString& text, const QFont& font, int width, int maxLines) {
    QStringList lines;
    if (width <= 0 || maxLines <= 0 || text.isEmpty()) return lines;
    QString flowing = text;
    flowing.replace('\n', QChar::LineSeparator);
    QTextLayout layout(flowing, font);
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(option);
    const QFontMetrics metrics(font);
    layout.beginLayout();
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(width);
        if (lines.size() == maxLines - 1) {
            QString rest = flowing.mid(line.textStart());
            rest.replace(QChar::LineSeparator, ' ');
            lines << metrics.elidedText(rest.trimmed(), Qt::ElideRight, width);
            break;
        }
        lines << flowing.mid(line.textStart(), line.textLength()).remove(QChar::LineSeparator).trimmed();
    }
    layout.endLayout();
    return lines;
}

void MessageBanner::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(m_error ? QColor(0x5a, 0x1e, 0x24) : QColor(0x24, 0x38, 0x4a));
    painter.drawRoundedRect(QRectF(rect()), 3, 3);
    painter.setPen(m_error ? QColor(0xff, 0xd7, 0xd7) : QColor(0xdb, 0xee, 0xff));
    const QRect box = textRect();
    const int lineHeight = fontMetrics().lineSpacing();
    int y = box.top();
    for (const QString& line : visibleLines(text(), font(), box.width(), kLines)) {
        painter.drawText(QRect(box.left(), y, box.width(), lineHeight), Qt::AlignLeft | Qt::AlignVCenter,
                         line);
        y += lineHeight;
    }
}

} // namespace gesso::ui
