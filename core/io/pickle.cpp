// The restricted unpickler: a small stack machine for the pickle opcodes torch.save emits (protocols 2-4),
// with an allow-list of globals. Nothing named by the file is ever imported or called: the allowed globals
// are interpreted here (OrderedDict -> dict, _rebuild_tensor_v2 -> a strided view of a storage), a few
// harmless ones known from Lightning checkpoints become inert placeholders, anything else is refused.
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

namespace gesso::io {

namespace {

constexpr size_t kMaxStack = 1u << 22; // values on the stack
constexpr size_t kMaxMemo = 1u << 22;  // memo entries
constexpr int kMaxDepth = 200;         // nesting of containers
constexpr size_t kMaxContainer = 1u << 24;

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
    enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor, Inert };
    Kind kind = Kind::None;
    int64_t integer = 0;
    double real = 0;
    std::string text;                                   // String/bytes; Global: "module.name"; Storage: key
    std::vector<ValuePtr> items;                        // Tuple, List
    std::vector<std::pair<ValuePtr, ValuePtr>> entries; // Dict
    torch::Tensor tensor;                               // Storage (1-D), Tensor
    int depth = 0;
    bool contained = false; // inside another container: never mutated again, so no cycles can form
};

ValuePtr make(Value::Kind kind) {
    auto v = std::make_shared<Value>();
    v->kind = kind;
    return v;
}

// Globals a state dict needs; storages map to their dtype.
const std::map<std::string, torch::ScalarType> kStorageTypes = {
    {"torch.FloatStorage", torch::kFloat32},     {"torch.HalfStorage", torch::kFloat16},
    {"torch.BFloat16Storage", torch::kBFloat16}, {"torch.DoubleStorage", torch::kFloat64},
    {"torch.LongStorage", torch::kInt64},        {"torch.IntStorage", torch::kInt32},
    {"torch.ShortStorage", torch::kInt16},       {"torch.CharStorage", torch::kInt8},
    {"torch.ByteStorage", torch::kUInt8},        {"torch.BoolStorage", torch::kBool}};
const std::set<std::string> kCallables = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                          "torch._utils._rebuild_parameter"};
// Never called: whatever they would build becomes an inert placeholder (AUTOMATIC1111 allows the same).
const std::set<std::string> kInert = {"numpy.core.multiarray.scalar",
                                      "numpy.dtype",
                                      "_codecs.encode",
                                      "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                                      "builtins.set",
                                      "__builtin__.set",
                                      "collections.defaultdict",
                                      "torch.Size"};

class Unpickler {
public:
    Unpickler(const uint8_t* data, size_t size, const StorageLoader& storage, const std::string& label)
        : m_data(data), m_size(size), m_storage(storage), m_label(label) {}

    ValuePtr run() {
        while (true) {
            const uint8_t op = byte();
            switch (op) {
            case 0x80:
                byte();
                break; // PROTO
            case 0x95:
                bytes(8);
                break; // FRAME (length ignored: data is all here)
            case '.':
                return finish(); // STOP
            case '(':
                m_marks.push_back(m_stack.size());
                break; // MARK
            case ')':
                push(make(Value::Kind::Tuple));
                break; // EMPTY_TUPLE
            case ']':
                push(make(Value::Kind::List));
                break; // EMPTY_LIST
            case '}':
                push(make(Value::Kind::Dict));
                break; // EMPTY_DICT
            case 'N':
                push(make(Value::Kind::None));
                break;
            case 0x88:
                push(boolean(true));
                break; // NEWTRUE
            case 0x89:
                push(boolean(false));
                break; // NEWFALSE
            case 'J':
                push(integer(int32_t(le(4))));
                break; // BININT
            case 'K':
                push(integer(byte()));
                break; // BININT1
            case 'M':
                push(integer(int64_t(le(2))));
                break; // BININT2
            case 0x8a:
                push(integer(long1()));
                break; // LONG1
            case 'G':
                push(real());
                break; // BINFLOAT
            case 'X':
                push(string(le(4)));
                break; // BINUNICODE
            case 0x8c:
                push(string(byte()));
                break; // SHORT_BINUNICODE
            case 0x8d:
                push(string(le(8)));
                break; // BINUNICODE8
            case 'B':
                push(string(le(4)));
                break; // BINBYTES
            case 'C':
                push(string(byte()));
                break; // SHORT_BINBYTES
            case 'T':
                push(string(le(4)));
                break; // BINSTRING
            case 'U':
                push(string(byte()));
                break; // SHORT_BINSTRING
            case 't':
                push(tuple(popMark()));
                break; // TUPLE
            case 0x85:
                tupleN(1);
                break;
            case 0x86:
                tupleN(2);
                break;
            case 0x87:
                tupleN(3);
                break;
            case 'a':
                append(1);
                break; // APPEND
            case 'e':
                appends();
                break; // APPENDS
            case 's':
                setItems(2);
                break; // SETITEM
            case 'u':
                setItems(0);
                break; // SETITEMS
            case 'q':
                memoPut(byte());
                break; // BINPUT
            case 'r':
                memoPut(le(4));
                break; // LONG_BINPUT
            case 0x94:
                memoPut(m_memo.size());
                break; // MEMOIZE
            case 'h':
                push(memoGet(byte()));
                break; // BINGET
            case 'j':
                push(memoGet(le(4)));
                break; // LONG_BINGET
            case '0':
                pop();
                break; // POP
            case '1':
                popMark();
                break; // POP_MARK
            case '2':
                push(top());
                break; // DUP
            case 'c':
                global();
                break; // GLOBAL
            case 0x93:
                stackGlobal();
                break; // STACK_GLOBAL
            case 'R':
                reduce();
                break; // REDUCE
            case 0x81:
                newObject();
                break; // NEWOBJ
            case 'b':
                pop();
                checkBuildTarget();
                break; // BUILD: state ignored
            case 'Q':
                persistentId();
                break; // BINPERSID
            default:
                fail("unsupported pickle opcode 0x" + hex(op) + " at byte " + std::to_string(m_pos - 1));
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("cannot read PyTorch checkpoint '" + m_label + "': " + problem);
    }
    static std::string hex(uint8_t v) {
        const char* digits = "0123456789abcdef";
        return {digits[v >> 4], digits[v & 15]};
    }

    uint8_t byte() {
        if (m_pos >= m_size) fail("pickle ends unexpectedly");
        return m_data[m_pos++];
    }
    const uint8_t* bytes(uint64_t n) {
        if (n > m_size - m_pos) fail("pickle ends unexpectedly");
        const uint8_t* p = m_data + m_pos;
        m_pos += n;
        return p;
    }
    uint64_t le(int n) {
        const uint8_t* p = bytes(n);
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i)
            v = (v << 8) | p[i];
        return v;
    }
    int64_t long1() {
        const uint8_t n = byte();
        if (n > 8) fail("integer too large");
        if (n == 0) return 0;
        const uint8_t* p = bytes(n);
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i)
            v = (v << 8) | p[i];
        if (n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n); // sign-extend
        return int64_t(v);
    }
    std::string line() {
        std::string s;
        while (true) {
            const char c = char(byte());
            if (c == '\n') return s;
            if (s.size() > 256) fail("global name too long");
            s.push_back(c);
        }
    }

    ValuePtr boolean(bool b) {
        auto v = make(Value::Kind::Bool);
        v->integer = b;
        return v;
    }
    ValuePtr integer(int64_t i) {
        auto v = make(Value::Kind::Int);
        v->integer = i;
        return v;
    }
    ValuePtr real() {
        const uint8_t* p = bytes(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i)
            bits = (bits << 8) | p[i]; // big-endian
        auto v = make(Value::Kind::Float);
        std::memcpy(&v->real, &bits, 8);
        return v;
    }
    ValuePtr string(uint64_t n) {
        const uint8_t* p = bytes(n);
        auto v = make(Value::Kind::String);
        v->text.assign(reinterpret_cast<const char*>(p), n);
        return v;
    }

    void push(ValuePtr v) {
        if (m_stack.size() >= kMaxStack) fail("pickle stack too deep");
        m_stack.push_back(std::move(v));
    }
    ValuePtr pop() {
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back())) fail("pickle stack underflow");
        ValuePtr v = std::move(m_stack.back());
        m_stack.pop_back();
        return v;
    }
    ValuePtr top() {
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back())) fail("pickle stack underflow");
        return m_stack.back();
    }
    std::vector<ValuePtr> popMark() {
        if (m_marks.empty()) fail("pickle MARK missing");
        const size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<ValuePtr> items(std::make_move_iterator(m_stack.begin() + long(mark)),
                                    std::make_move_iterator(m_stack.end()));
        m_stack.resize(mark);
        return items;
    }
    void adopt(Value& parent, const ValuePtr& child) {
        if (child.get() == &parent) fail("pickle puts a container inside itself");
        child->contained = true;
        if (child->depth + 1 > parent.depth) parent.depth = child->depth + 1;
        if (parent.depth > kMaxDepth) fail("pickle nests containers too deeply");
    }
    ValuePtr tuple(std::vector<ValuePtr> items) {
        auto v = make(Value::Kind::Tuple);
        for (const auto& item : items)
            adopt(*v, item);
        v->items = std::move(items);
        return v;
    }
    void tupleN(size_t n) {
        std::vector<ValuePtr> items(n);
        for (size_t i = n; i-- > 0;)
            items[i] = pop();
        push(tuple(std::move(items)));
    }
    void addItem(Value& list, const ValuePtr& item) {
        if (list.kind == Value::Kind::Inert) return;
        if (list.kind != Value::Kind::List) fail("APPEND to something that is not a list");
        if (list.contained) fail("pickle modifies a list after nesting it (unsupported)");
        if (list.items.size() >= kMaxContainer) fail("list too long");
        adopt(list, item);
        list.items.push_back(item);
    }
    void append(size_t) {
        ValuePtr item = pop();
        addItem(*top(), item);
    }
    void appends() {
        auto items = popMark();
        ValuePtr list = top();
        for (const auto& item : items)
            addItem(*list, item);
    }
    void setItems(size_t fixed) {
        std::vector<ValuePtr> items;
        if (fixed) {
            ValuePtr value = pop();
            ValuePtr key = pop();
            items = {key, value};
        } else {
            items = popMark();
        }
        if (items.size() % 2) fail("SETITEMS with an odd number of values");
        ValuePtr dict = top();
        if (dict->kind == Value::Kind::Inert) return;
        if (dict->kind != Value::Kind::Dict) fail("SETITEM on something that is not a dict");
        if (dict->contained) fail("pickle modifies a dict after nesting it (unsupported)");
        for (size_t i = 0; i < items.size(); i += 2) {
            if (dict->entries.size() >= kMaxContainer) fail("dict too large");
            adopt(*dict, items[i]);
            adopt(*dict, items[i + 1]);
            dict->entries.emplace_back(items[i], items[i + 1]);
        }
    }
    void memoPut(uint64_t index) {
        if (index >= kMaxMemo) fail("pickle memo index too large");
        m_memo[index] = top();
    }
    ValuePtr memoGet(uint64_t index) {
        auto it = m_memo.find(index);
        if (it == m_memo.end()) fail("pickle refers to an unknown memo entry");
        return it->second;
    }

    void pushGlobal(const std::string& module, const std::string& name) {
        const std::string full = module + "." + name;
        if (!kCallables.count(full) && !kStorageTypes.count(full) && !kInert.count(full))
            throw Error("unsafe pickle: refuses global " + full + " in '" + m_label +
                        "' (only PyTorch state dicts can be opened; convert the file to safetensors)");
        auto v = make(Value::Kind::Global);
        v->text = full;
        push(v);
    }
    void global() {
        const std::string module = line();
        const std::string name = line();
        pushGlobal(module, name);
    }
    void stackGlobal() {
        ValuePtr name = pop();
        ValuePtr module = pop();
        if (name->kind != Value::Kind::String || module->kind != Value::Kind::String)
            fail("bad STACK_GLOBAL");
        pushGlobal(module->text, name->text);
    }

    void checkBuildTarget() {
        const Value::Kind kind = top()->kind;
        if (kind != Value::Kind::Dict && kind != Value::Kind::Inert && kind != Value::Kind::Tensor)
            fail("BUILD on an unsupported object");
    }

    void newObject() {
        pop(); // arguments
        ValuePtr cls = pop();
        if (cls->kind != Value::Kind::Global || !kInert.count(cls->text))
            fail("NEWOBJ of a disallowed class");
        push(make(Value::Kind::Inert));
    }

    static int64_t asInt(const ValuePtr& v, const char* what, const Unpickler& self) {
        if (v->kind != Value::Kind::Int && v->kind != Value::Kind::Bool)
            self.fail(std::string(what) + " is not an integer");
        return v->integer;
    }
    std::vector<int64_t> intTuple(const ValuePtr& v, const char* what) {
        if (v->kind != Value::Kind::Tuple && v->kind != Value::Kind::List)
            fail(std::string(what) + " is not a tuple");
        if (v->items.size() > 16) fail(std::string(what) + " has too many dimensions");
        std::vector<int64_t> out;
        for (const auto& item : v->items) {
            const int64_t x = asInt(item, what, *this);
            if (x < 0) fail(std::string(what) + " is negative");
            out.push_back(x);
        }
        return out;
    }

    ValuePtr rebuildTensor(const std::vector<ValuePtr>& args) {
        if (args.size() < 4) fail("_rebuild_tensor_v2 with too few arguments");
        if (args[0]->kind != Value::Kind::Storage) fail("_rebuild_tensor_v2 without a storage");
        const torch::Tensor& storage = args[0]->tensor;
        const int64_t offset = asInt(args[1], "storage offset", *this);
        const auto size = intTuple(args[2], "tensor size");
        const auto stride = intTuple(args[3], "tensor stride");
        if (size.size() != stride.size()) fail("tensor size and stride differ in length");
        if (offset < 0) fail("negative storage offset");
        // Highest element index touched, with overflow checks: must lie inside the storage.
        int64_t last = offset;
        bool empty = false;
        for (size_t i = 0; i < size.size(); ++i) {
            if (size[i] == 0) empty = true;
            int64_t span = 0;
            if (size[i] > 0 && (__builtin_mul_overflow(size[i] - 1, stride[i], &span) ||
                                __builtin_add_overflow(last, span, &last)))
                fail("tensor size/stride overflow");
        }
        if (!empty && last >= storage.numel())
            fail("tensor reaches element " + std::to_string(last) + " of a storage of " +
                 std::to_string(storage.numel()) + " elements");
        if (empty && offset > storage.numel()) fail("storage offset out of range");
        auto v = make(Value::Kind::Tensor);
        v->tensor = empty ? torch::empty(size, storage.options()) : storage.as_strided(size, stride, offset);
        return v;
    }

    void reduce() {
        ValuePtr args = pop();
        ValuePtr callable = pop();
        if (callable->kind != Value::Kind::Global) fail("REDUCE of something that is not an allowed global");
        if (args->kind != Value::Kind::Tuple) fail("REDUCE arguments are not a tuple");
        const std::string& name = callable->text;
        if (name == "collections.OrderedDict") {
            push(make(Value::Kind::Dict));
        } else if (name == "torch._utils._rebuild_tensor_v2") {
            push(rebuildTensor(args->items));
        } else if (name == "torch._utils._rebuild_parameter") {
            if (args->items.empty() || args->items[0]->kind != Value::Kind::Tensor)
                fail("_rebuild_parameter without a tensor");
            push(args->items[0]);
        } else if (kInert.count(name)) {
            push(make(Value::Kind::Inert));
        } else {
            fail("refuses to call " + name);
        }
    }

    void persistentId() {
        ValuePtr pid = pop();
        // Zip files: ('storage', type, key, location, numel); legacy files add view metadata (None here).
        const size_t n = pid->kind == Value::Kind::Tuple ? pid->items.size() : 0;
        if ((n != 5 && n != 6) || pid->items[0]->kind != Value::Kind::String ||
            pid->items[0]->text != "storage")
            fail("unsupported persistent id (expected a storage)");
        if (n == 6 && pid->items[5]->kind != Value::Kind::None) fail("storage views are not supported");
        const ValuePtr& type = pid->items[1];
        if (type->kind != Value::Kind::Global || !kStorageTypes.count(type->text))
            fail("unknown storage type");
        if (pid->items[2]->kind != Value::Kind::String) fail("storage key is not a string");
        const std::string key = pid->items[2]->text;
        const int64_t numel = asInt(pid->items[4], "storage size", *this);
        if (numel < 0) fail("negative storage size");
        const torch::ScalarType dtype = kStorageTypes.at(type->text);
        auto cached = m_storages.find(key);
        if (cached != m_storages.end()) {
            if (cached->second->tensor.scalar_type() != dtype || cached->second->tensor.numel() != numel)
                fail("storage '" + key + "' is used with two different types or sizes");
            push(cached->second);
            return;
        }
        auto v = make(Value::Kind::Storage);
        v->text = key;
        v->tensor = m_storage(key, dtype, numel);
        if (v->tensor.numel() != numel || v->tensor.scalar_type() != dtype)
            fail("storage '" + key + "' has the wrong size");
        m_storages[key] = v;
        push(v);
    }

public:
    size_t position() const { return m_pos; } // just past the STOP once run() has returned

private:
    ValuePtr finish() {
        if (m_stack.size() != 1 || !m_marks.empty()) fail("pickle does not end with exactly one value");
        return m_stack.back();
    }

    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
    const StorageLoader& m_storage;
    std::string m_label;
    std::vector<ValuePtr> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, ValuePtr> m_memo;
    std::map<std::string, ValuePtr> m_storages;
};

void flatten(const Value& dict, const std::string& prefix, TensorMap& out, int depth) {
    if (depth > 8) return;
    for (const auto& [key, value] : dict.entries) {
        if (key->kind != Value::Kind::String) continue;
        const std::string name = prefix + key->text;
        if (value->kind == Value::Kind::Tensor)
            out[name] = value->tensor;
        else if (value->kind == Value::Kind::Dict)
            flatten(*value, name + ".", out, depth + 1);
    }
}

TensorMap stateDictOf(ValuePtr root, const std::string& label) {
    if (root->kind != Value::Kind::Dict)
        throw Error("'" + label + "' does not hold a state dict (a dictionary of tensors)");
    // Lightning checkpoints wrap the weights: {"state_dict": {...}, "epoch": ...}. Not assigned to `root`
    // inside the loop: that would free the entries being iterated (root is their only owner).
    ValuePtr wrapped;
    for (const auto& [key, value] : root->entries)
        if (key->kind == Value::Kind::String && key->text == "state_dict" && value->kind == Value::Kind::Dict)
            wrapped = value;
    if (wrapped) root = wrapped;
    TensorMap out;
    flatten(*root, "", out, 0);
    return out;
}

} // namespace

TensorMap unpickleStateDict(const uint8_t* data, size_t size, const StorageLoader& storage,
                            const std::string& label) {
    return stateDictOf(Unpickler(data, size, storage, label).run(), label);
}

size_t unpicklePrefix(const uint8_t* data, size_t size, const StorageLoader& storage,
                      const std::string& label, PickleValue& value) {
    Unpickler unpickler(data, size, storage, label);
    ValuePtr root = unpickler.run();
    if (value.tensors) *value.tensors = stateDictOf(root, label);
    if (value.strings) {
        if (root->kind != Value::Kind::List) throw Error("'" + label + "': expected a list of storage keys");
        for (const auto& item : root->items) {
            if (item->kind != Value::Kind::String)
                throw Error("'" + label + "': a storage key is not a string");
            value.strings->push_back(item->text);
        }
    }
    return unpickler.position();
}

} // namespace gesso::io
