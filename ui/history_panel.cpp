#include "ui/history_panel.h"

#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenu>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {
namespace {

constexpr int kRecordRole = Qt::UserRole;
constexpr int kPromptRole = Qt::UserRole + 1;
constexpr int kFavouriteRole = Qt::UserRole + 2;

} // namespace

HistoryPanel::HistoryPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_search = new QLineEdit(this);
    m_search->setObjectName("historySearch");
    m_search->setPlaceholderText(tr("Search prompts"));
    m_search->setClearButtonEnabled(true);
    m_list = new QListWidget(this);
    m_list->setObjectName("generationHistory");
    m_list->setToolTip(tr("Past generations: double-click to reuse the settings, right-click for more"));
    // Entries wrap within the list's width (no sideways scrolling); each one's tooltip has all its settings.
    m_list->setWordWrap(true);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_clear = new QToolButton(this);
    m_clear->setObjectName("clearHistory");
    m_clear->setText(tr("Clear"));
    m_clear->setToolTip(tr("Forget every generation but the favourites (marked with a star)"));
    auto* top = new QHBoxLayout;
    top->addWidget(m_search, 1);
    top->addWidget(m_clear);
    layout->addLayout(top);
    layout->addWidget(m_list, 1);
    connect(m_clear, &QToolButton::clicked, this, &HistoryPanel::clearRequested);

    connect(m_search, &QLineEdit::textChanged, this, &HistoryPanel::applyFilter);
    connect(m_list, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        Q_EMIT useSettingsRequested(item->data(kRecordRole).toULongLong());
    });
    connect(m_list, &QWidget::customContextMenuRequested, this, &HistoryPanel::showMenu);
}

void HistoryPanel::setRecords(const std::vector<document::GenerationRecord>& records) {
    m_list->clear();
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
        const QString fullPrompt = QString::fromStdString(it->settings.prompt).simplified();
        QString prompt = fullPrompt;
        if (prompt.size() > 60) prompt = prompt.left(57) + "...";
        const QString seed = it->seeds.empty() ? QString() : QString::number(it->seeds.front());
        const QString star = it->favourite ? QString::fromUtf8("\u2605 ") : QString();
        auto* item = new QListWidgetItem(QString("%1%2  [%3, seed %4%5]")
                                             .arg(star, prompt.isEmpty() ? tr("(no prompt)") : prompt,
                                                  QString::fromStdString(it->modelName), seed,
                                                  it->resultLayerIds.empty() ? QString() : tr(", applied")));
        item->setData(kRecordRole, QVariant::fromValue<qulonglong>(it->id));
        item->setData(kPromptRole, fullPrompt);
        item->setData(kFavouriteRole, it->favourite);
        item->setToolTip(QString::fromStdString(it->parameters));
        m_list->addItem(item);
    }
    applyFilter();
}

void HistoryPanel::setFilter(const QString& text) {
    m_search->setText(text);
}

int HistoryPanel::visibleCount() const {
    int n = 0;
    for (int i = 0; i < m_list->count(); ++i)
        n += m_list->item(i)->isHidden() ? 0 : 1;
    return n;
}

void HistoryPanel::applyFilter() {
    const QStringList words = m_search->text().split(' ', Qt::SkipEmptyParts);
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* item = m_list->item(i);
        const QString prompt = item->data(kPromptRole).toString();
        bool shown = true;
        for (const QString& word : words)
            shown = shown && prompt.contains(word, Qt::CaseInsensitive);
        item->setHidden(!shown);
    }
}

void HistoryPanel::showMenu(const QPoint& position) {
    QListWidgetItem* item = m_list->itemAt(position);
    if (!item) return;
    const quint64 id = item->data(kRecordRole).toULongLong();
    QMenu menu(this);
    menu.addAction(tr("Use settings"), this, [this, id] { Q_EMIT useSettingsRequested(id); });
    menu.addAction(tr("Use seed"), this, [this, id] { Q_EMIT useSeedRequested(id); });
    QAction* favourite = menu.addAction(tr("Favourite"));
    favourite->setCheckable(true);
    favourite->setChecked(item->data(kFavouriteRole).toBool());
    connect(favourite, &QAction::toggled, this, [this, id](bool on) { Q_EMIT favouriteRequested(id, on); });
    const QString parameters = item->toolTip(); // the list may be refilled while the menu is open
    menu.addAction(tr("Copy parameters"), this,
                   [parameters] { QGuiApplication::clipboard()->setText(parameters); });
    menu.exec(m_list->viewport()->mapToGlobal(position));
}

} // namespace gesso::ui
