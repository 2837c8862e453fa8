" Vim syntax file for flow pipelines (docs/language.md).
if exists('b:current_syntax')
  finish
endif

" Names hold `-` and `.` (`code-review`), so `stage` inside `my-stage` is not a keyword.
syntax iskeyword @,48-57,_,-,.

" The reserved keywords: exactly the list in docs/language.md
" (tests/examples/check_editor_grammar.py checks that they agree).
syntax keyword flowKeyword after agent agents approve as check else flow from input over
syntax keyword flowKeyword parallel retries review rule run sequence stage use uses when

" Words that mean something in one place only; not reserved.
syntax keyword flowContextual each stop continue ask up to back verdict not passed cleanly
syntax keyword flowContextual every step reviewed by at most calls before writes only
syntax keyword flowType text number bool list
syntax keyword flowBoolean true false
syntax keyword flowField description model tools disallowed-tools permission-mode max-turns role prompt
syntax keyword flowModel opus sonnet haiku inherit worker coordinator reviewer

syntax match flowNumber '\<\d\+\>'
syntax match flowComment '#.*$' contains=flowTodo,@Spell
syntax keyword flowTodo TODO FIXME XXX contained
syntax match flowEscape '\\\(["\\ntr]\|u{\x\{1,6}}\)' contained
syntax match flowBadEscape '\\\([^"\\ntru]\|u\({\x\{1,6}}\)\@!\)' contained
syntax region flowPrompt start='"""' end='"""' contains=@Spell
syntax region flowString start='"\(""\)\@!' skip='\\\\\|\\"' end='"' end='$' oneline contains=flowEscape,flowBadEscape
syntax match flowBracket '[<>\[\]]'

highlight default link flowKeyword Keyword
highlight default link flowContextual Statement
highlight default link flowType Type
highlight default link flowBoolean Boolean
highlight default link flowField Identifier
highlight default link flowModel Constant
highlight default link flowNumber Number
highlight default link flowComment Comment
highlight default link flowTodo Todo
highlight default link flowString String
highlight default link flowPrompt String
highlight default link flowEscape SpecialChar
highlight default link flowBadEscape Error
highlight default link flowBracket Delimiter

let b:current_syntax = 'flow'
