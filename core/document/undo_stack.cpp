#include "core/document/undo_stack.h"

#include "core/document/document.h"

namespace gesso::document {

void UndoStack::push(std::unique_ptr<Command> command, bool alreadyApplied) {
    if (!command) return;
    if (!alreadyApplied) command->redo(m_document);
    m_commands.resize(m_index); // drop the redo tail
    if (m_cleanIndex > m_index) m_cleanIndex = static_cast<size_t>(-1);
    if (m_mergeOpen && m_index > 0 && command->mergeId() >= 0 &&
        m_commands.back()->mergeId() == command->mergeId() && m_commands.back()->mergeWith(*command)) {
        m_document.notifyUndoChanged();
        return;
    }
    m_commands.push_back(std::move(command));
    m_index = m_commands.size();
    m_mergeOpen = true;
    while (m_commands.size() > m_limit && m_limit > 0) {
        m_commands.erase(m_commands.begin());
        --m_index;
        m_cleanIndex = m_cleanIndex == 0 ? static_cast<size_t>(-1) : m_cleanIndex - 1;
    }
    m_document.notifyUndoChanged();
}

void UndoStack::undo() {
    if (!canUndo()) return;
    m_mergeOpen = false;
    m_commands[--m_index]->undo(m_document);
    m_document.notifyUndoChanged();
}

void UndoStack::redo() {
    if (!canRedo()) return;
    m_mergeOpen = false;
    m_commands[m_index++]->redo(m_document);
    m_document.notifyUndoChanged();
}

void UndoStack::clear() {
    m_commands.clear();
    m_index = 0;
    m_cleanIndex = 0;
    m_mergeOpen = false;
    m_document.notifyUndoChanged();
}

} // namespace gesso::document
