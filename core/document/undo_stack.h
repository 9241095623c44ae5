#pragma once
// A small undo stack for Document edits (QUndoStack lives in QtGui, which core/ must not use).
// Thread contract: like Document, used from one thread (the GUI thread in the app).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace gesso::document {

class Document;

class Command {
public:
    virtual ~Command() = default;
    virtual void redo(Document& document) = 0; // also the first "do"
    virtual void undo(Document& document) = 0;
    virtual std::string text() const = 0; // shown in menus, e.g. "Brush stroke"
    // Commands with the same non-negative mergeId pushed in a row may merge (e.g. an opacity slider drag).
    // Return true when `next` was folded into this command.
    virtual int mergeId() const { return -1; }
    virtual bool mergeWith(const Command& /*next*/) { return false; }
};

class UndoStack {
public:
    explicit UndoStack(Document& document) : m_document(document) {}

    // Runs command->redo() unless alreadyApplied (pixel strokes are painted live, then pushed), drops the
    // redo tail, then keeps the command for undo. Trims the oldest entries beyond limit().
    void push(std::unique_ptr<Command> command, bool alreadyApplied = false);
    bool canUndo() const { return m_index > 0; }
    bool canRedo() const { return m_index < m_commands.size(); }
    void undo();
    void redo();
    void clear();
    std::string undoText() const { return canUndo() ? m_commands[m_index - 1]->text() : std::string(); }
    std::string redoText() const { return canRedo() ? m_commands[m_index]->text() : std::string(); }
    size_t count() const { return m_commands.size(); }
    size_t index() const { return m_index; } // number of commands currently applied
    bool isClean() const { return m_index == m_cleanIndex; }
    void setClean() { m_cleanIndex = m_index; }
    void setLimit(size_t limit) { m_limit = limit; }
    size_t limit() const { return m_limit; }
    // Prevents the next push from merging into the top command (e.g. at the end of a slider drag).
    void breakMerge() { m_mergeOpen = false; }

private:
    Document& m_document;
    std::vector<std::unique_ptr<Command>> m_commands;
    size_t m_index = 0;
    size_t m_cleanIndex = 0;
    size_t m_limit = 200;
    bool m_mergeOpen = false;
};

} // namespace gesso::document
