// eh_check.cpp: checks of C++ exception semantics on WebAssembly
// exceptions, through the ledger's runtime (cxxabi.cpp): how a thrown type
// meets catch clauses (bases at an offset, virtual, ambiguous and private
// bases, pointers and their qualifiers, null pointers, void*), the life of
// exception objects (copies, rethrow, nesting, throws inside destructors
// during unwinding), and exceptions through indirect and virtual calls and
// a thousand rethrowing frames. Each check prints "ok" or what went wrong;
// the last line counts the failures.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>

namespace {

int failures;

void check(const char *name, bool ok) {
  std::printf("%-50s %s\n", name, ok ? "ok" : "FAILED");
  if (!ok)
    failures++;
}

int alive; // Counted objects constructed and not yet destroyed
int copies;

struct Counted {
  Counted() { ++alive; }
  Counted(const Counted &) {
    ++alive;
    ++copies;
  }
  virtual ~Counted() { --alive; }
};

struct A : Counted {
  int a = 1;
};
struct B {
  virtual ~B() = default;
  int b = 2;
};
// C has B at a non-zero offset.
struct C : A, B {
  int c = 3;
};
// V is a virtual base of D1 and D2, and once in Diamond.
struct V {
  virtual ~V() = default;
  int v = 4;
};
struct D1 : virtual V {
  int d1 = 5;
};
struct D2 : virtual V {
  int d2 = 6;
};
struct Diamond : D1, D2 {};
// Twice has two distinct B subobjects: B is ambiguous.
struct B1 : B {};
struct B2 : B {};
struct Twice : B1, B2 {};
// Hidden's base A is private.
struct Hidden : private A {};

struct alignas(16) Wide {
  double x[2];
};

template <class Thrown, class Clause>
bool caught_as(Thrown thrown, const void **seen = nullptr) {
  try {
    throw thrown;
  } catch (Clause c) {
    if (seen != nullptr)
      *seen = static_cast<const void *>(&c);
    return true;
  } catch (...) {
    return false;
  }
}

void check_matching() {
  check("int caught as int", caught_as<int, int>(7));
  check("int not caught as long", !caught_as<int, long>(7));
  {
    C c;
    try {
      throw c;
    } catch (B &b) {
      C *back = dynamic_cast<C *>(&b);
      check("base at an offset: adjusted", back != nullptr && b.b == 2 && back->c == 3);
    } catch (...) {
      check("base at an offset: adjusted", false);
    }
  }
  try {
    throw Diamond();
  } catch (V &v) {
    Diamond *back = dynamic_cast<Diamond *>(&v);
    check("virtual base: adjusted through the vtable", back != nullptr && v.v == 4 && back->d2 == 6);
  } catch (...) {
    check("virtual base: adjusted through the vtable", false);
  }
  check("virtual base seen once: D1 catches Diamond", caught_as<Diamond, const D1 &>(Diamond()));
  check("ambiguous base does not catch", !caught_as<Twice, const B &>(Twice()));
  check("ambiguous base: the unique one does", caught_as<Twice, const B2 &>(Twice()));
  check("private base does not catch", !caught_as<Hidden, const A &>(Hidden()));
}

void check_pointers() {
  C c; // outlives every throw of its address below
  try {
    throw &c;
  } catch (B *b) {
    check("C* caught as B*: adjusted", b == static_cast<B *>(&c));
  } catch (...) {
    check("C* caught as B*: adjusted", false);
  }
  try {
    throw &c;
  } catch (void *p) {
    check("C* caught as void*", p == &c);
  } catch (...) {
    check("C* caught as void*", false);
  }
  const C *constant = &c;
  check("const C* not caught as B*", !caught_as<const C *, B *>(constant));
  check("const C* caught as const B*", caught_as<const C *, const B *>(constant));
  check("C* caught as const volatile A*", caught_as<C *, const volatile A *>(&c));
  try {
    throw static_cast<C *>(nullptr);
  } catch (B *b) {
    check("null C* caught as B*: still null", b == nullptr);
  } catch (...) {
    check("null C* caught as B*: still null", false);
  }
  check("int* not caught as long*", !caught_as<int *, long *>(nullptr));
}

void check_objects() {
  copies = 0;
  try {
    throw A();
  } catch (A a) {
    check("catch by value copies once", copies == 1 && a.a == 1);
  }
  check("caught by value: no object left", alive == 0);

  const void *first = nullptr, *second = nullptr;
  try {
    try {
      throw A();
    } catch (A &a) {
      first = &a;
      throw;
    }
  } catch (A &a) {
    second = &a;
  }
  check("rethrow keeps the same object", first != nullptr && first == second && alive == 0);

  try {
    try {
      throw A();
    } catch (A &outer) {
      try {
        throw 5;
      } catch (int inner) {
        check("nested exception inside a handler", inner == 5 && alive == 1);
      }
      check("outer exception still current", outer.a == 1);
      throw;
    }
  } catch (A &) {
    check("outer rethrown after the nested one", alive == 1);
  }
  check("nested: no object left", alive == 0);

  struct Cleaner {
    ~Cleaner() {
      // A destructor run by unwinding may throw and catch its own.
      try {
        throw B();
      } catch (B &b) {
        cleaned = b.b == 2;
      }
    }
    bool &cleaned;
  };
  bool cleaned = false;
  try {
    Cleaner guard{cleaned};
    throw A();
  } catch (A &a) {
    check("throw and catch in a destructor during unwinding", cleaned && a.a == 1);
  }
  check("destructor's exception: no object left", alive == 0);

  try {
    throw Wide{{1.5, 2.5}};
  } catch (Wide &w) {
    check("over-aligned exception object", reinterpret_cast<std::uintptr_t>(&w) % 16 == 0 && w.x[1] == 2.5);
  }
}

struct Shape {
  virtual ~Shape() = default;
  virtual int area(int side) const = 0;
};
struct Square : Shape {
  int area(int side) const override {
    if (side < 0)
      throw B();
    return side * side;
  }
};

int twice_area(const Shape &s, int side) { return 2 * s.area(side); }

int (*volatile indirect)(const Shape &, int) = twice_area;

// rethrow_down recurses, catching and rethrowing at every level.
int rethrow_down(int depth, int *levels) {
  try {
    if (depth == 0)
      throw A();
    return rethrow_down(depth - 1, levels) + 1;
  } catch (A &) {
    ++*levels;
    throw;
  }
}

void check_calls() {
  Square square;
  const Shape &shape = square;
  try {
    indirect(shape, -1);
    check("through an indirect and a virtual call", false);
  } catch (const B &b) {
    check("through an indirect and a virtual call", b.b == 2);
  }
  check("no throw: the call returns", indirect(shape, 3) == 18);
  int levels = 0;
  try {
    rethrow_down(1000, &levels);
  } catch (A &) {
  }
  check("1,000 frames each catching and rethrowing", levels == 1001 && alive == 0);
}

} // namespace

int main() {
  check_matching();
  check_pointers();
  check_objects();
  check_calls();
  check("every counted object destroyed", alive == 0);
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
