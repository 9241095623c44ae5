#include "ui/layers_panel.h"

#include "core/document/commands.h"

#include <QtGui/QColor>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QSlider>
#include <QtWidgets/QStyle>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace gesso::ui {

using document::Change;
using document::LayerId;

LayersPanel::LayersPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* opacityRow = new QHBoxLayout;
    opacityRow->addWidget(new QLabel(tr("Opacity"), this));
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setObjectName("layerOpacity");
    m_opacity->setRange(0, 100);
    opacityRow->addWidget(m_opacity, 1);
    m_lock = new QCheckBox(tr("Lock"), this);
    m_lock->setObjectName("layerLock");
    opacityRow->addWidget(m_lock);
    layout->addLayout(opacityRow);

    m_list = new QListWidget(this);
    m_list->setObjectName("layerList");
    m_list->setMinimumHeight(listHeight(kMinimumRows));
    layout->addWidget(m_list, 1);

    auto* buttons = new QHBoxLayout;
    auto makeButton = [&](const QString& text, const QString& tip, const char* name) {
        auto* button = new QToolButton(this);
        button->setText(text);
        button->setToolTip(tip);
        button->setObjectName(name);
        buttons->addWidget(button);
        return button;
    };
    m_add = makeButton("+", tr("Add a transparent layer above the current one"), "addLayer");
    m_delete = makeButton(QString::fromUtf8("\u2212"), tr("Delete the current layer"), "deleteLayer");
    m_up = makeButton(QString::fromUtf8("\u25b2"), tr("Move the layer up"), "moveLayerUp");
    m_down = makeButton(QString::fromUtf8("\u25bc"), tr("Move the layer down"), "moveLayerDown");
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(m_add, &QToolButton::clicked, this, &LayersPanel::addLayer);
    connect(m_delete, &QToolButton::clicked, this, &LayersPanel::deleteLayer);
    connect(m_up, &QToolButton::clicked, this, &LayersPanel::moveUp);
    connect(m_down, &QToolButton::clicked, this, &LayersPanel::moveDown);
    connect(m_list, &QListWidget::currentRowChanged, this, [this] {
        if (m_updating || !m_document) return;
        if (LayerId id = selectedLayer()) m_document->setActiveLayer(id);
    });
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (m_updating || !m_document) return;
        LayerId id = item->data(Qt::UserRole).toULongLong();
        const document::Layer* layer = m_document->layer(id);
        if (!layer) return;
        auto p = document::propertiesOf(*layer);
        p.visible = item->checkState() == Qt::Checked;
        p.name = item->text().toStdString();
        if (p == document::propertiesOf(*layer)) return;
        // The list is rebuilt on the change; not while Qt is still inside this item's signal.
        m_deferRebuild = true;
        m_document->undoStack().breakMerge();
        m_document->undoStack().push(
            std::make_unique<document::SetLayerPropertiesCommand>(*m_document, id, p));
        m_document->undoStack().breakMerge();
        m_deferRebuild = false;
    });
    connect(m_opacity, &QSlider::valueChanged, this, [this](int value) {
        if (m_updating || !m_document) return;
        LayerId id = m_document->activeLayer();
        const document::Layer* layer = m_document->layer(id);
        if (!layer) return;
        auto p = document::propertiesOf(*layer);
        p.opacity = value / 100.0;
        m_document->undoStack().push(
            std::make_unique<document::SetLayerPropertiesCommand>(*m_document, id, p));
    });
    // One undo step per slider drag.
    connect(m_opacity, &QSlider::sliderReleased, this, [this] {
        if (m_document) m_document->undoStack().breakMerge();
    });
    connect(m_lock, &QCheckBox::toggled, this, [this](bool locked) {
        if (m_updating || !m_document) return;
        LayerId id = m_document->activeLayer();
        const document::Layer* layer = m_document->layer(id);
        if (!layer) return;
        auto p = document::propertiesOf(*layer);
        p.locked = locked;
        m_document->undoStack().breakMerge();
        m_document->undoStack().push(
            std::make_unique<document::SetLayerPropertiesCommand>(*m_document, id, p));
        m_document->undoStack().breakMerge();
    });
    setEnabled(false);
}

LayersPanel::~LayersPanel() {
    setDocument(nullptr);
}

void LayersPanel::setDocument(document::Document* document) {
    if (m_document && m_listener) m_document->removeListener(m_listener);
    m_document = document;
    m_listener = 0;
    if (m_document)
        m_listener = m_document->addListener([this](const Change& change) {
            if (change.kind != Change::Kind::Layers && change.kind != Change::Kind::Canvas &&
                change.kind != Change::Kind::LayerProperties)
                return;
            if (m_deferRebuild)
                QMetaObject::invokeMethod(this, &LayersPanel::rebuild, Qt::QueuedConnection);
            else
                rebuild();
        });
    setEnabled(m_document != nullptr);
    rebuild();
}

int LayersPanel::listHeight(int rows) const {
    // A row holds the name and the visibility checkbox.
    const int row =
        std::max(m_list->fontMetrics().height(), style()->pixelMetric(QStyle::PM_IndicatorHeight)) + 4;
    return rows * row + 2 * m_list->frameWidth();
}

QSize LayersPanel::sizeHint() const {
    QSize size = QWidget::sizeHint();
    size.setHeight(layout()->minimumSize().height() - m_list->minimumHeight() + listHeight(kPreferredRows));
    return size;
}

LayerId LayersPanel::selectedLayer() const {
    QListWidgetItem* item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toULongLong() : 0;
}

void LayersPanel::rebuild() {
    m_updating = true;
    m_list->clear();
    if (m_document) {
        const auto& layers = m_document->layers();
        for (auto it = layers.rbegin(); it != layers.rend(); ++it) { // top of the stack first
            auto* item = new QListWidgetItem(QString::fromStdString(it->name));
            item->setData(Qt::UserRole, QVariant::fromValue<qulonglong>(it->id));
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsEditable);
            item->setCheckState(it->visible ? Qt::Checked : Qt::Unchecked);
            QString tip = tr("%1 - opacity %2%%3")
                              .arg(QString::fromStdString(it->name))
                              .arg(qRound(it->opacity * 100))
                              .arg(it->locked ? tr(", locked") : QString());
            if (!it->generation.parameters.empty())
                tip += "\n\n" + QString::fromStdString(it->generation.parameters);
            item->setToolTip(tip);
            if (it->locked) item->setForeground(QColor(150, 150, 150));
            m_list->addItem(item);
            if (it->id == m_document->activeLayer()) m_list->setCurrentItem(item);
        }
    }
    m_updating = false;
    syncControls();
}

void LayersPanel::syncControls() {
    m_updating = true;
    const document::Layer* layer = m_document ? m_document->layer(m_document->activeLayer()) : nullptr;
    m_opacity->setEnabled(layer != nullptr);
    m_lock->setEnabled(layer != nullptr);
    m_delete->setEnabled(layer != nullptr);
    if (layer) {
        m_opacity->setValue(qRound(layer->opacity * 100));
        m_lock->setChecked(layer->locked);
        int index = m_document->indexOf(layer->id);
        m_up->setEnabled(index + 1 < m_document->layerCount());
        m_down->setEnabled(index > 0);
    }
    m_updating = false;
}

void LayersPanel::addLayer() {
    if (!m_document) return;
    int index = m_document->indexOf(m_document->activeLayer()) + 1;
    document::Layer layer = m_document->makeLayer("Layer " + std::to_string(m_document->layerCount() + 1));
    m_document->undoStack().push(std::make_unique<document::AddLayerCommand>(std::move(layer), index));
}

void LayersPanel::deleteLayer() {
    if (!m_document || !m_document->layer(m_document->activeLayer())) return;
    m_document->undoStack().push(std::make_unique<document::RemoveLayerCommand>(m_document->activeLayer()));
}

void LayersPanel::moveUp() {
    if (!m_document) return;
    int index = m_document->indexOf(m_document->activeLayer());
    if (index < 0 || index + 1 >= m_document->layerCount()) return;
    m_document->undoStack().push(std::make_unique<document::MoveLayerCommand>(index, index + 1));
}

void LayersPanel::moveDown() {
    if (!m_document) return;
    int index = m_document->indexOf(m_document->activeLayer());
    if (index <= 0) return;
    m_document->undoStack().push(std::make_unique<document::MoveLayerCommand>(index, index - 1));
}

} // namespace gesso::ui
