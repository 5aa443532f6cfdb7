/* domcfg_keys: how xcd's xl.cfg reader treats each key (domcfg_keys.c). */
#ifndef XCD_DOMCFG_KEYS_H
#define XCD_DOMCFG_KEYS_H

enum domcfg_key_class {
	DOMCFG_KEY_UNKNOWN = -1, /* not a key of xl.cfg(5): a warning */
	DOMCFG_KEY_USED,	 /* normalised by domcfg.c */
	DOMCFG_KEY_HVM,		 /* an HVM guest's option: accepted, not supported yet */
	DOMCFG_KEY_LATER,	 /* a feature xcd does not implement yet: accepted, ignored */
};

enum domcfg_key_class domcfg_key_class(const char *key);
#endif
