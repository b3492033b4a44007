"""Tree invariants on random hierarchies (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.grid import Area, AreaTree, Format, LevelSet, dump_areas, parse_areas

MAX_AREAS = 40
LEVELS = LevelSet([f"L{i}" for i in range(MAX_AREAS)])


@st.composite
def trees(draw: st.DrawFn) -> AreaTree:
    """A random forest: area i hangs under an earlier area or is a root."""
    n = draw(st.integers(min_value=1, max_value=MAX_AREAS))
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1))) for i in range(1, n)
    ]
    names = draw(st.permutations([f"A{i:02d}" for i in range(n)]))
    depth: list[int] = []
    areas = []
    for i, parent in enumerate(parents):
        depth.append(0 if parent is None else depth[parent] + 1)
        parent_code = None if parent is None else names[parent]
        areas.append(Area(names[i], f"区域{i}", f"L{depth[i]}", parent_code))
    order = draw(st.permutations(areas))
    return AreaTree(order, LEVELS)


@given(trees())
def test_every_ancestors_subtree_contains_the_area(tree: AreaTree) -> None:
    for area in tree:
        for ancestor in tree.ancestors(area.code):
            assert tree.is_within(area.code, ancestor.code)
            assert area in tree.subtree(ancestor.code)


@given(trees())
def test_is_within_means_on_the_path_from_the_root(tree: AreaTree) -> None:
    for a in tree:
        path = {p.code for p in tree.path(a.code)}
        for b in tree:
            assert tree.is_within(a.code, b.code) == (b.code in path)


@settings(max_examples=50)
@given(trees())
def test_lca_is_the_deepest_common_ancestor(tree: AreaTree) -> None:
    for a in tree:
        for b in tree:
            common = {p.code for p in tree.path(a.code)} & {p.code for p in tree.path(b.code)}
            lca = tree.lca(a.code, b.code)
            if lca is None:
                assert common == set()
                continue
            assert tree.is_within(a.code, lca.code)
            assert tree.is_within(b.code, lca.code)
            assert tree.depth(lca.code) == max(tree.depth(c) for c in common)


@given(trees())
def test_depth_subtree_and_order_agree(tree: AreaTree) -> None:
    seen: set[str] = set()
    for area in tree:  # pre-order: a parent always comes before its children
        assert area.parent_code is None or area.parent_code in seen
        seen.add(area.code)
        assert tree.depth(area.code) == len(tree.ancestors(area.code))
        assert len(tree.descendants(area.code)) == tree.subtree_size(area.code) - 1
        assert sum(tree.subtree_size(c.code) for c in tree.children(area.code)) == len(
            tree.descendants(area.code)
        )


@given(trees())
def test_nearest_at_an_ancestors_level_is_that_ancestor(tree: AreaTree) -> None:
    for area in tree:
        for ancestor in tree.path(area.code):
            assert tree.nearest_at_level(area.code, ancestor.level) == ancestor


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=8
).filter(lambda s: s.strip() == s and s != "")


@settings(max_examples=40, deadline=None)
@given(trees(), st.lists(_TEXT, min_size=MAX_AREAS, max_size=MAX_AREAS), st.data())
def test_every_format_reads_back_what_it_wrote(
    tree: AreaTree, names: list[str], data: st.DataObject
) -> None:
    renamed = AreaTree(
        [Area(a.code, names[i], a.level, a.parent_code) for i, a in enumerate(tree)], tree.levels
    )
    formats: list[Format] = ["csv", "json", "toml"]
    fmt = data.draw(st.sampled_from(formats))
    assert list(parse_areas(dump_areas(renamed, fmt), fmt).tree) == list(renamed)
