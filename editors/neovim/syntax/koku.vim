" Vim syntax file for .koku deployment stacks (kokuc).
if exists("b:current_syntax")
  finish
endif

syn keyword kokuDeclaration component override remove stack profile extends let nextgroup=kokuName skipwhite
syn keyword kokuKeyword in if then else import
syn keyword kokuConstant true false null
syn keyword kokuBuiltin secret
syn match kokuName contained "[A-Za-z_][A-Za-z0-9_-]*"
syn match kokuNumber "\<[0-9]\+\(\.[0-9]\+\)\=\([eE][+-]\=[0-9]\+\)\=\(Ki\|Mi\|Gi\|Ti\|Pi\|Ei\|min\|[numkMGTPEsh]\)\=\>"
syn match kokuKey "[A-Za-z_][A-Za-z0-9_-]*\ze\s*\(\.\s*[A-Za-z_][A-Za-z0-9_-]*\s*\)*=[^=]"
syn match kokuOperator "//\|||\|&&\|==\|!=\|<=\|>=\|[<>+*!?:]"
syn region kokuInterpolation contained matchgroup=kokuInterpolationDelim start="\${" end="}" contains=TOP
syn match kokuEscape contained "\\."
syn region kokuString start=+"+ skip=+\\.+ end=+"+ contains=kokuEscape,kokuInterpolation
syn match kokuComment "#.*$" contains=@Spell

hi def link kokuDeclaration Keyword
hi def link kokuKeyword Conditional
hi def link kokuConstant Constant
hi def link kokuBuiltin Function
hi def link kokuName Type
hi def link kokuNumber Number
hi def link kokuKey Identifier
hi def link kokuOperator Operator
hi def link kokuString String
hi def link kokuEscape SpecialChar
hi def link kokuInterpolationDelim Delimiter
hi def link kokuComment Comment

let b:current_syntax = "koku"
