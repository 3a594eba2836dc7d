// A Kotlin/Wasm (WASI) program: classes, collections, strings, lambdas and
// exceptions, all on WebAssembly GC objects.

sealed class Tree {
    object Leaf : Tree()
    class Node(val left: Tree, val key: Int, val right: Tree) : Tree()
}

fun insert(t: Tree, k: Int): Tree = when (t) {
    is Tree.Leaf -> Tree.Node(Tree.Leaf, k, Tree.Leaf)
    is Tree.Node -> when {
        k < t.key -> Tree.Node(insert(t.left, k), t.key, t.right)
        k > t.key -> Tree.Node(t.left, t.key, insert(t.right, k))
        else -> t
    }
}

fun depth(t: Tree): Int = when (t) {
    is Tree.Leaf -> 0
    is Tree.Node -> 1 + maxOf(depth(t.left), depth(t.right))
}

fun sum(t: Tree): Long = when (t) {
    is Tree.Leaf -> 0L
    is Tree.Node -> sum(t.left) + t.key + sum(t.right)
}

data class Word(val text: String, val count: Int)

class ParseError(msg: String) : Exception(msg)

fun parsePositive(s: String): Int {
    val n = s.toIntOrNull() ?: throw ParseError("not a number: $s")
    if (n <= 0) throw ParseError("not positive: $n")
    return n
}

fun main() {
    // A tree of 20,000 keys from a linear congruential generator: each
    // insertion copies a path, so the program makes lots of garbage.
    var t: Tree = Tree.Leaf
    var x = 12345L
    repeat(20000) {
        x = (x * 1103515245L + 12345L) % 2147483648L
        t = insert(t, (x % 100000).toInt())
    }
    println("tree: depth ${depth(t)}, sum ${sum(t)}")

    val text = "the quick brown fox jumps over the lazy dog the fox barks and the dog runs"
    val counts = HashMap<String, Int>()
    for (w in text.split(" ")) counts[w] = (counts[w] ?: 0) + 1
    val words = counts.map { (k, v) -> Word(k, v) }.sortedWith(compareBy({ -it.count }, { it.text }))
    println("words: " + words.take(4).joinToString { "${it.text}=${it.count}" })

    val sb = StringBuilder()
    for (i in 1..10) sb.append(i * i).append(if (i < 10) "," else "")
    println("squares: $sb")

    for (s in listOf("42", "-7", "x9")) {
        try {
            println("parsed ${parsePositive(s)}")
        } catch (e: ParseError) {
            println("error: ${e.message}")
        }
    }

    val fib = generateSequence(Pair(0L, 1L)) { Pair(it.second, it.first + it.second) }.map { it.first }
    println("fib: " + fib.take(15).joinToString(" "))
}
