// cxxabi.cpp: the part of the C++ exception runtime that Debian's wasm32
// libc++abi leaves out (it is built without exceptions), for code compiled
// with clang -fwasm-exceptions. It implements the Itanium C++ ABI's
// exception functions over WebAssembly exceptions, single-threaded:
//
//   - __cxa_allocate_exception / __cxa_free_exception: a header before
//     the thrown object;
//   - __cxa_throw and __cxa_rethrow: throw the C++ tag (tag 0 of
//     __builtin_wasm_throw) with the header's address as its payload;
//   - __cxa_begin_catch, __cxa_end_catch, __cxa_get_exception_ptr: the
//     stack of caught exceptions and their handler counts, destroying an
//     exception when its last handler ends;
//   - _Unwind_CallPersonality, the personality every C++ landing pad
//     calls: WebAssembly has no separate search phase, so a landing pad
//     asks whether one of its catch clauses takes the exception, reading
//     the function's LSDA (GCC_except_table) for the landing pad's index,
//     and matching the thrown type against each clause's type_info (the
//     same type, a public unambiguous base class, a pointer to one, void*,
//     or catch (...)).
//
// The compiler talks to the personality through __wasm_lpad_context: the
// landing pad stores its index in the function's call-site table and the
// LSDA's address, calls _Unwind_CallPersonality with the payload, then
// reads the selector: the matching clause's index in the type table, or 0
// when no clause matches (the landing pad then rethrows).
//
// Not here: std::exception_ptr (std::current_exception) and
// std::uncaught_exceptions (libc++abi's exception-less answers stay); the
// exceptions the libraries themselves would throw from compiled code
// (std::bad_alloc from operator new, std::bad_cast from a failed
// dynamic_cast to a reference: their exception-less builds abort instead;
// those thrown from libc++'s headers, such as std::map::at's
// std::out_of_range, are the program's and work); dynamic exception
// specifications (gone from C++17: such an LSDA filter aborts); and
// foreign exceptions (another tag's exceptions pass through every C++
// catch).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

namespace {

// Destructors return `this` in WebAssembly's C++ ABI, so the function
// __cxa_throw receives has this type (another type would fail
// call_indirect's signature check).
using Destructor = void *(*)(void *);

// Header precedes every thrown object; the payload of the C++ tag is its
// address.
struct Header {
  const std::type_info *type;
  Destructor destroy;
  Header *next_caught; // the caught exception below this one
  // handlers counts the catch clauses that hold the exception; it is
  // negated while a handler rethrows it, so that the handler's end does
  // not destroy an exception still in flight.
  int handlers;
  void *adjusted; // the object as the selected catch clause sees it
};

// The thrown object starts at this offset: a multiple of the largest
// alignment a type can ask for.
constexpr std::size_t kHeaderSize =
    (sizeof(Header) + __BIGGEST_ALIGNMENT__ - 1) & ~std::size_t(__BIGGEST_ALIGNMENT__ - 1);

Header *header_of(void *object) {
  return reinterpret_cast<Header *>(static_cast<char *>(object) - kHeaderSize);
}

void *object_of(Header *h) { return reinterpret_cast<char *>(h) + kHeaderSize; }

Header *caught; // innermost caught exception

[[noreturn]] void fail(const char *what) {
  std::fprintf(stderr, "c++ exception runtime: %s\n", what);
  std::abort();
}

} // namespace

// The landing-pad context: the layout WebAssembly's EH lowering in LLVM
// stores to and loads from (three words).
struct LandingPadContext {
  std::uintptr_t lpad_index; // the landing pad's entry in the call-site table
  const std::uint8_t *lsda;  // the function's GCC_except_table
  std::uintptr_t selector;   // out: type-table index of the catch clause, 0 for none
};
extern "C" LandingPadContext __wasm_lpad_context;
LandingPadContext __wasm_lpad_context;

extern "C" void *__cxa_allocate_exception(std::size_t size) noexcept {
  void *block = nullptr;
  if (posix_memalign(&block, __BIGGEST_ALIGNMENT__, kHeaderSize + size) != 0)
    fail("out of memory allocating an exception");
  *static_cast<Header *>(block) = Header{};
  return static_cast<char *>(block) + kHeaderSize;
}

extern "C" void __cxa_free_exception(void *object) noexcept { std::free(header_of(object)); }

extern "C" [[noreturn]] void __cxa_throw(void *object, std::type_info *type, Destructor destroy) {
  Header *h = header_of(object);
  h->type = type;
  h->destroy = destroy;
  h->adjusted = object;
  __builtin_wasm_throw(0, h);
}

extern "C" [[noreturn]] void __cxa_rethrow() {
  Header *h = caught;
  if (h == nullptr)
    std::terminate(); // `throw;` outside a handler
  h->handlers = -h->handlers;
  __builtin_wasm_throw(0, h);
}

extern "C" void *__cxa_get_exception_ptr(void *payload) noexcept {
  return static_cast<Header *>(payload)->adjusted;
}

extern "C" void *__cxa_begin_catch(void *payload) noexcept {
  Header *h = static_cast<Header *>(payload);
  h->handlers = h->handlers < 0 ? -h->handlers + 1 : h->handlers + 1;
  if (h != caught) {
    h->next_caught = caught;
    caught = h;
  }
  return h->adjusted;
}

extern "C" void __cxa_end_catch() {
  Header *h = caught;
  if (h == nullptr)
    return;
  if (h->handlers < 0) {
    // Rethrown: in flight again, so it outlives this handler.
    if (++h->handlers == 0)
      caught = h->next_caught;
    return;
  }
  if (--h->handlers > 0)
    return;
  caught = h->next_caught;
  if (h->destroy != nullptr)
    h->destroy(object_of(h));
  std::free(h);
}

// Type matching: type_info objects are told apart by their vtables, as the
// Itanium ABI lays them out (a type_info's vtable pointer points two words
// into its class's vtable).
extern "C" const void *_ZTVN10__cxxabiv120__si_class_type_infoE[];
extern "C" const void *_ZTVN10__cxxabiv121__vmi_class_type_infoE[];
extern "C" const void *_ZTVN10__cxxabiv119__pointer_type_infoE[];

namespace {

struct TypeInfo { // std::type_info
  const void *const *vtable;
  const char *name;
};
struct SingleBase : TypeInfo { // __si_class_type_info
  const TypeInfo *base;
};
struct BaseEntry { // __base_class_type_info
  const TypeInfo *type;
  long offset_flags; // offset << 8 | public 2 | virtual 1
};
struct MultipleBases : TypeInfo { // __vmi_class_type_info
  unsigned flags;
  unsigned count;
  BaseEntry bases[1];
};
struct PointerTo : TypeInfo { // __pointer_type_info (__pbase_type_info)
  unsigned qualifiers; // const 1, volatile 2, restrict 4, ...
  const TypeInfo *pointee;
};

const TypeInfo *info(const std::type_info *t) { return reinterpret_cast<const TypeInfo *>(t); }
const std::type_info *std_info(const TypeInfo *t) { return reinterpret_cast<const std::type_info *>(t); }

bool is_kind(const TypeInfo *t, const void *const *vtable) { return t->vtable == vtable + 2; }

bool same(const TypeInfo *a, const TypeInfo *b) { return *std_info(a) == *std_info(b); }

// find_base looks for target among the public bases of the class `type`
// whose object is at `object`, and counts the distinct places it is found
// (an ambiguous base does not catch). A null object stands for a null
// pointer: found, at null.
void find_base(const TypeInfo *type, void *object, const TypeInfo *target, void **found, int *count) {
  if (same(type, target)) {
    if (*count == 0 || *found != object)
      ++*count;
    *found = object;
    return;
  }
  if (is_kind(type, _ZTVN10__cxxabiv120__si_class_type_infoE)) {
    find_base(static_cast<const SingleBase *>(type)->base, object, target, found, count);
    return;
  }
  if (!is_kind(type, _ZTVN10__cxxabiv121__vmi_class_type_infoE))
    return;
  const MultipleBases *m = static_cast<const MultipleBases *>(type);
  for (unsigned i = 0; i < m->count; i++) {
    long flags = m->bases[i].offset_flags;
    if ((flags & 2) == 0)
      continue; // a private or protected base does not catch
    long offset = flags >> 8;
    char *base = nullptr;
    if (object != nullptr) {
      if (flags & 1) {
        // A virtual base: the offset is where the object's vtable keeps
        // the base's displacement.
        const char *vtable = *static_cast<const char *const *>(object);
        offset = *reinterpret_cast<const std::ptrdiff_t *>(vtable + offset);
      }
      base = static_cast<char *>(object) + offset;
    }
    find_base(m->bases[i].type, base, target, found, count);
  }
}

// catches reports whether a clause catching `clause` takes an exception of
// type `thrown` whose object is at `object`, and what the clause sees.
bool catches(const TypeInfo *clause, const TypeInfo *thrown, void *object, void **adjusted) {
  const void *const *pointer_vtable = _ZTVN10__cxxabiv119__pointer_type_infoE;
  if (is_kind(thrown, pointer_vtable)) {
    // The handler receives the pointer's value, not its address.
    void *value = *static_cast<void **>(object);
    if (same(clause, thrown)) {
      *adjusted = value;
      return true;
    }
    if (!is_kind(clause, pointer_vtable))
      return false;
    const PointerTo *from = static_cast<const PointerTo *>(thrown);
    const PointerTo *to = static_cast<const PointerTo *>(clause);
    // A qualification conversion may add const or volatile, never drop them.
    if ((from->qualifiers & ~to->qualifiers & 3) != 0)
      return false;
    if (same(from->pointee, to->pointee) || (same(to->pointee, info(&typeid(void))) &&
                                             !is_kind(from->pointee, pointer_vtable))) {
      *adjusted = value;
      return true;
    }
    int count = 0;
    find_base(from->pointee, value, to->pointee, adjusted, &count);
    return count == 1;
  }
  int count = 0;
  find_base(thrown, object, clause, adjusted, &count);
  return count == 1;
}

std::uintptr_t read_uleb(const std::uint8_t **p) {
  std::uintptr_t v = 0;
  unsigned shift = 0;
  std::uint8_t b;
  do {
    b = *(*p)++;
    v |= std::uintptr_t(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return v;
}

std::intptr_t read_sleb(const std::uint8_t **p) {
  std::uintptr_t v = 0;
  unsigned shift = 0;
  std::uint8_t b;
  do {
    b = *(*p)++;
    v |= std::uintptr_t(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 8 * sizeof(v) && (b & 0x40))
    v |= ~std::uintptr_t(0) << shift;
  return static_cast<std::intptr_t>(v);
}

// DWARF pointer encodings the LSDA uses.
constexpr std::uint8_t kOmit = 0xff, kAbsolute = 0x00, kULEB = 0x01, kUData4 = 0x03, kSData4 = 0x0b;

// clause_type returns the type_info of type-table entry index (1-based,
// counted back from the table's end), or null for catch (...).
const TypeInfo *clause_type(const std::uint8_t *types_end, std::uint8_t encoding, std::intptr_t index) {
  if (encoding != kAbsolute && encoding != kUData4 && encoding != kSData4)
    fail("unsupported type-table encoding in the LSDA");
  const std::uint8_t *entry = types_end - index * 4;
  std::uint32_t address = std::uint32_t(entry[0]) | std::uint32_t(entry[1]) << 8 |
                          std::uint32_t(entry[2]) << 16 | std::uint32_t(entry[3]) << 24;
  return reinterpret_cast<const TypeInfo *>(std::uintptr_t(address));
}

// select_clause walks the landing pad's action chain and returns the
// type-table index of the first clause that catches h, or 0.
std::uintptr_t select_clause(Header *h, std::uintptr_t landing_pad, const std::uint8_t *lsda) {
  const std::uint8_t *p = lsda;
  if (*p++ != kOmit)
    fail("unsupported landing-pad base in the LSDA");
  std::uint8_t type_encoding = *p++;
  const std::uint8_t *types_end = nullptr;
  if (type_encoding != kOmit) {
    std::uintptr_t offset = read_uleb(&p);
    types_end = p + offset;
  }
  if (*p++ != kULEB)
    fail("unsupported call-site encoding in the LSDA");
  std::uintptr_t sites_length = read_uleb(&p);
  const std::uint8_t *sites_end = p + sites_length;
  // The call-site table has one entry per landing pad: (pad, action).
  std::uintptr_t action = 0;
  for (std::uintptr_t i = 0;; i++) {
    if (p >= sites_end)
      fail("landing pad beyond the LSDA's call-site table");
    read_uleb(&p);
    action = read_uleb(&p);
    if (i == landing_pad)
      break;
  }
  if (action == 0)
    return 0; // cleanups only
  const std::uint8_t *record = sites_end + (action - 1);
  for (;;) {
    std::intptr_t index = read_sleb(&record);
    const std::uint8_t *next = record;
    std::intptr_t displacement = read_sleb(&record);
    if (index > 0) {
      if (types_end == nullptr)
        fail("catch clause without a type table in the LSDA");
      const TypeInfo *clause = clause_type(types_end, type_encoding, index);
      void *adjusted = nullptr;
      if (clause == nullptr) {
        h->adjusted = object_of(h); // catch (...)
        return std::uintptr_t(index);
      }
      if (catches(clause, info(h->type), object_of(h), &adjusted)) {
        h->adjusted = adjusted;
        return std::uintptr_t(index);
      }
    } else if (index < 0) {
      fail("dynamic exception specification in the LSDA (not C++17)");
    }
    if (displacement == 0)
      return 0;
    record = next + displacement;
  }
}

} // namespace

// _Unwind_CallPersonality is what every C++ landing pad calls; it returns
// _URC_HANDLER_FOUND (6) when a catch clause takes the exception, else
// _URC_CONTINUE_UNWIND (8).
extern "C" int _Unwind_CallPersonality(void *payload) {
  __wasm_lpad_context.selector = 0;
  if (__wasm_lpad_context.lsda == nullptr)
    return 8;
  std::uintptr_t clause = select_clause(static_cast<Header *>(payload), __wasm_lpad_context.lpad_index,
                                        __wasm_lpad_context.lsda);
  __wasm_lpad_context.selector = clause;
  return clause != 0 ? 6 : 8;
}
