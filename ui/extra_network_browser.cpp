#include "ui/extra_network_browser.h"

#include "ui/extra_network_model.h"

#include <QtGui/QKeyEvent>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

ExtraNetworkBrowser::ExtraNetworkBrowser(QWidget* parent) : QWidget(parent) {
    setObjectName("extraNetworkBrowser");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName("extraNetworkSearch");
    m_search->setPlaceholderText(tr("Search LoRAs and embeddings"));
    m_search->setClearButtonEnabled(true);
    m_kind = new QComboBox(this);
    m_kind->setObjectName("extraNetworkKind");
    m_kind->addItem(tr("All"));
    m_kind->addItem(tr("LoRA"), int(library::Kind::Lora));
    m_kind->addItem(tr("Embedding"), int(library::Kind::Embedding));
    filters->addWidget(m_search, 1);
    filters->addWidget(m_kind);
    layout->addLayout(filters);

    m_model = new ExtraNetworkModel(this);
    m_view = new QListView(this);
    m_view->setObjectName("extraNetworkList");
    m_view->setModel(m_model);
    m_view->setIconSize(QSize(44, 44));
    m_view->setUniformItemSizes(true);
    m_view->setSpacing(1);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->setMinimumHeight(120);
    m_view->installEventFilter(this);
    layout->addWidget(m_view, 1);
    m_count = new QLabel(this);
    m_count->setObjectName("extraNetworkCount");
    m_count->setWordWrap(true);
    layout->addWidget(m_count);

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_model->setSearchText(text);
        refreshCount();
    });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant kind = m_kind->currentData();
        m_model->setKind(kind.isValid() ? std::optional(library::Kind(kind.toInt())) : std::nullopt);
        refreshCount();
    });
    connect(m_view, &QListView::clicked, this,
            [this](const QModelIndex& index) { requestInsert(index.row()); });
    refreshCount();
}

void ExtraNetworkBrowser::setNetworks(std::vector<ExtraNetwork> networks) {
    m_model->setNetworks(std::move(networks));
    refreshCount();
}

void ExtraNetworkBrowser::setCheckpointFamily(const std::string& family) {
    m_model->setCheckpointFamily(family);
}

bool ExtraNetworkBrowser::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if ((key == Qt::Key_Return || key == Qt::Key_Enter) && m_view->currentIndex().isValid()) {
            requestInsert(m_view->currentIndex().row());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ExtraNetworkBrowser::requestInsert(int row) {
    if (const ExtraNetwork* network = m_model->network(row)) Q_EMIT insertRequested(*network);
}

void ExtraNetworkBrowser::refreshCount() {
    const int total = m_model->totalCount(), shown = m_model->rowCount();
    if (total == 0)
        m_count->setText(
            tr("No LoRA or embedding files in the model library. Add the folder that holds them "
               "(e.g. A1111's models/Lora and embeddings) with the \u2026 button next to Model."));
    else if (shown == total)
        m_count->setText(tr("%n file(s)", nullptr, total));
    else
        m_count->setText(tr("%1 of %n file(s)", nullptr, total).arg(shown));
}

} // namespace gesso::ui
