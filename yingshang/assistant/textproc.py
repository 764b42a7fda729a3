"""Chinese text processing for retrieval: jieba in search mode with a custom dictionary, synonym expansion,
stop words and the normalisation shared by FAQ matching and answer checks. Framework-free (no Django imports), so
the benchmark and the tests use exactly what the site uses."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

jieba.setLogLevel(60)

# Words jieba's general dictionary splits but a district's questions use whole. Staff add more on the
# 自定义词 page; these are the ones every installation needs.
BUILTIN_TERMS = [
    "创业担保贷款",
    "创业担保贷",
    "小微企业",
    "个体工商户",
    "营商环境",
    "惠企政策",
    "政务服务",
    "一网通办",
    "跨省通办",
    "省内通办",
    "容缺受理",
    "承诺制",
    "拿地即开工",
    "免申即享",
    "留抵退税",
    "增值税",
    "六税两费",
    "专精特新",
    "高新技术企业",
    "技术改造",
    "知识产权",
    "质押贷款",
    "首贷",
    "续贷",
    "贴息",
    "社保补贴",
    "稳岗返还",
    "人社局",
    "市场监管局",
    "行政审批局",
    "经信局",
    "营商办",
    "12345",
    "一件事一次办",
    "企业开办",
    "个转企",
]

# Groups of words a question may use for the same thing. Staff edit more on the 同义词 page.
BUILTIN_SYNONYMS = [
    ["贴息", "利息补贴", "贷款贴息"],
    ["技改", "技术改造"],
    ["社保", "社会保险"],
    ["人社局", "人力资源和社会保障局"],
    ["市场监管局", "市场监督管理局"],
    ["经信局", "经济和信息化局"],
    ["营商办", "优化营商环境领导小组办公室"],
    ["小微企业", "小微"],
    ["个体户", "个体工商户"],
    ["贷款", "贷", "能贷", "可贷"],
    ["多久", "时限", "时间"],
    ["补助", "补贴", "奖补"],
]

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "对",
        "为",
        "把",
        "被",
        "给",
        "从",
        "向",
        "将",
        "就",
        "都",
        "也",
        "又",
        "还",
        "而",
        "并",
        "等",
        "之",
        "其",
        "该",
        "此",
        "这",
        "那",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "他们",
        "我的",
        "请问",
        "请",
        "想",
        "想要",
        "要",
        "需要",
        "一下",
        "一个",
        "哪个",
        "哪些",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "怎么样",
        "多少",
        "几",
        "几次",
        "几个",
        "几年",
        "几天",
        "多",
        "吗",
        "是否",
        "能否",
        "可否",
        "有没有",
        "有无",
        "有",
        "没有",
        "能",
        "可以",
        "可",
        "会",
        "去",
        "到",
        "上",
        "下",
        "中",
        "个",
        "啥",
        "呗",
        "嘛",
        "咋",
        "么样",
        "哪里",
        "哪儿",
        "谁",
        "现在",
        "目前",
        "关于",
        "以及",
        "通过",
        "进行",
        "开展",
        "相关",
        "有关",
        "一些",
        "已经",
        "如果",
        "那么",
        "因为",
        "所以",
        "但是",
        "然后",
    ]
)

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
_TOKEN_KEEP_RE = re.compile(r"[\w%.]+", re.UNICODE)


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and % become ASCII; the rest of the text stays as written."""
    return unicodedata.normalize("NFKC", text)


def normalize_question(text: str) -> str:
    """A question reduced to its letters and digits, for exact FAQ matches: punctuation, spaces and case ignored."""
    return _PUNCT_RE.sub("", to_halfwidth(text)).lower()[:300]


@dataclass
class Vocabulary:
    """The custom dictionary and synonym table a tokenizer is built from (a snapshot, tied to an index version)."""

    terms: list[str] = field(default_factory=list)
    synonyms: list[list[str]] = field(default_factory=list)

    def synonym_map(self) -> dict[str, set[str]]:
        mapping: dict[str, set[str]] = {}
        for group in [*BUILTIN_SYNONYMS, *self.synonyms]:
            words = {w for w in group if w}
            for word in words:
                mapping.setdefault(word, set()).update(words - {word})
        return mapping


_base_jieba: jieba.Tokenizer | None = None
_base_lock = threading.Lock()


def _fresh_jieba() -> jieba.Tokenizer:
    """A private jieba tokenizer with the general dictionary. Loading that dictionary takes about a second, so it
    is loaded once per process and copied (a few tens of milliseconds) for each custom vocabulary."""
    global _base_jieba
    with _base_lock:
        if _base_jieba is None:
            base = jieba.Tokenizer()
            base.initialize()
            _base_jieba = base
    fresh = jieba.Tokenizer()
    fresh.FREQ = dict(_base_jieba.FREQ)
    fresh.total = _base_jieba.total
    fresh.initialized = True
    return fresh


class ChineseTokenizer:
    """jieba search mode (long words plus their parts, so 创业担保贷款 also matches 担保贷款) over a private jieba
    dictionary, so one installation's custom words never leak into another test or process-wide state."""

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or Vocabulary()
        self._jieba = _fresh_jieba()
        self._lock = threading.Lock()
        synonym_words = (w for g in [*BUILTIN_SYNONYMS, *self.vocabulary.synonyms] for w in g if len(w) > 1)
        for word in [*BUILTIN_TERMS, *self.vocabulary.terms, *synonym_words]:
            if word:
                self._jieba.add_word(word, freq=50_000)
        self.synonyms = self.vocabulary.synonym_map()

    def words(self, text: str) -> list[str]:
        """Search-mode tokens of the text, lower-cased, punctuation and stop words removed (order kept)."""
        text = to_halfwidth(text).lower()
        with self._lock:
            raw = list(self._jieba.cut_for_search(text))
        return [t for t in (w.strip() for w in raw) if t and t not in STOP_WORDS and _TOKEN_KEEP_RE.fullmatch(t)]

    def index_tokens(self, text: str) -> list[str]:
        return self.words(text)

    def query_terms(self, text: str) -> list[QueryTerm]:
        """The question's terms, each with the synonyms that also count as that term."""
        seen: dict[str, QueryTerm] = {}
        for word in self.words(text):
            if word in seen:
                continue
            alternatives: set[str] = set()
            # Whole synonyms only: their parts (利息, 补贴 of 利息补贴) would match far too much.
            alternatives.update(s.lower() for s in self.synonyms.get(word, ()))
            alternatives.discard(word)
            seen[word] = QueryTerm(word, frozenset(alternatives))
        return list(seen.values())


@dataclass(frozen=True)
class QueryTerm:
    word: str
    synonyms: frozenset[str]

    def forms(self) -> Iterable[str]:
        yield self.word
        yield from self.synonyms


_SENTENCE_RE = re.compile(r"[^。!?;!?;\n]+[。!?;!?;]?")


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。!?; (full or half width); the ending stays with its sentence."""
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]
