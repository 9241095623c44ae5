#include "ui/staging_strip.h"

#include <QtGui/QIcon>
#include <QtGui/QPixmap>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

namespace {
constexpr int kThumb = 96;
}

StagingStrip::StagingStrip(QWidget* parent) : QWidget(parent) {
    setObjectName("stagingStrip");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_list = new QListWidget(this);
    m_list->setObjectName("stagedImages");
    m_list->setViewMode(QListView::IconMode);
    m_list->setFlow(QListView::LeftToRight);
    m_list->setWrapping(false);
    m_list->setIconSize(QSize(kThumb, kThumb));
    m_list->setMovement(QListView::Static);
    m_list->setFixedHeight(kThumb + 34);
    layout->addWidget(m_list, 1);
    auto* buttons = new QVBoxLayout;
    m_apply = new QPushButton(tr("Apply as layer"), this);
    m_apply->setObjectName("applyStaged");
    m_apply->setToolTip(tr("Add the selected result as a new layer (undoable)"));
    m_discard = new QPushButton(tr("Discard"), this);
    m_discard->setObjectName("discardStaged");
    m_discardAll = new QPushButton(tr("Discard all"), this);
    buttons->addWidget(m_apply);
    buttons->addWidget(m_discard);
    buttons->addWidget(m_discardAll);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        refreshButtons();
        Q_EMIT currentChanged(row);
    });
    connect(m_list, &QListWidget::itemDoubleClicked, this, [this] { Q_EMIT applyRequested(current()); });
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (current() >= 0) Q_EMIT applyRequested(current());
    });
    connect(m_discard, &QPushButton::clicked, this, [this] { remove(current()); });
    connect(m_discardAll, &QPushButton::clicked, this, &StagingStrip::clear);
    refreshButtons();
}

void StagingStrip::add(const StagedImage& image) {
    m_images.push_back(image);
    auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image.image.scaled(
                                         kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation))),
                                     QString::number(image.seed));
    item->setToolTip(tr("Seed %1 - double-click to apply").arg(image.seed));
    m_list->addItem(item);
    refreshButtons();
    Q_EMIT contentsChanged();
}

int StagingStrip::current() const {
    return m_list->currentRow();
}

void StagingStrip::setCurrent(int index) {
    m_list->setCurrentRow(index);
}

const StagedImage* StagingStrip::staged(int index) const {
    return index >= 0 && index < count() ? &m_images[size_t(index)] : nullptr;
}

void StagingStrip::remove(int index) {
    if (index < 0 || index >= count()) return;
    m_images.erase(m_images.begin() + index);
    delete m_list->takeItem(index);
    refreshButtons();
    Q_EMIT currentChanged(current());
    Q_EMIT contentsChanged();
}

void StagingStrip::clear() {
    const bool had = !m_images.empty();
    m_images.clear();
    m_list->clear();
    refreshButtons();
    Q_EMIT currentChanged(-1);
    if (had) Q_EMIT contentsChanged();
}

void StagingStrip::next() {
    if (count()) setCurrent((current() + 1) % count());
}

void StagingStrip::previous() {
    if (count()) setCurrent((current() - 1 + count()) % count());
}

void StagingStrip::refreshButtons() {
    bool selected = current() >= 0;
    m_apply->setEnabled(selected);
    m_discard->setEnabled(selected);
    m_discardAll->setEnabled(count() > 0);
}

} // namespace gesso::ui
