/* http_char.c — the tchar table of RFC 9110 §5.6.2 behind http_char_is_tchar(); the
 * other classes are inline in http_char.h. Pure data, used by the server's request
 * parser and by the chunked decoder (http_chunked.c); calls nothing. */

#include "http_char.h"

#define T(c) [(unsigned char) (c)] = true
const bool http_char_tchar_table[256] = {
        T('!'), T('#'), T('$'), T('%'), T('&'), T('\''), T('*'), T('+'), T('-'), T('.'), T('^'),
        T('_'), T('`'), T('|'), T('~'), T('0'), T('1'),  T('2'), T('3'), T('4'), T('5'), T('6'),
        T('7'), T('8'), T('9'), T('a'), T('b'), T('c'),  T('d'), T('e'), T('f'), T('g'), T('h'),
        T('i'), T('j'), T('k'), T('l'), T('m'), T('n'),  T('o'), T('p'), T('q'), T('r'), T('s'),
        T('t'), T('u'), T('v'), T('w'), T('x'), T('y'),  T('z'), T('A'), T('B'), T('C'), T('D'),
        T('E'), T('F'), T('G'), T('H'), T('I'), T('J'),  T('K'), T('L'), T('M'), T('N'), T('O'),
        T('P'), T('Q'), T('R'), T('S'), T('T'), T('U'),  T('V'), T('W'), T('X'), T('Y'), T('Z'),
};
#undef T
