"""Bibliography labels that are unique across the whole book.

Each chapter prints its own bibliography (`:filter: docname in docnames`) and the references page prints them
all. Numeric or author-year-letter labels restart per bibliography, so two different works would get the same
label ("1", "Su21") on different pages, which Sphinx reports as duplicate labels. Labelling every entry by its
BibTeX key (e.g. `su2021can`) keeps labels unique; in-text citations stay author-year.
"""
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


class KeyLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield entry.key


class KeyLabelledStyle(UnsrtStyle):
    default_label_style = "bibkey"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "bibkey", KeyLabelStyle)
    register_plugin("pybtex.style.formatting", "keylabelled", KeyLabelledStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
