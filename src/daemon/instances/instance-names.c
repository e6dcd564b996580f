/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names for instances created without one: "adjective-animal", as LXD
 * picks them, retried until unused (100 tries, then LXD's error).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "alloc.h"
#include "daemon.h"
#include "db/db.h"
#include "instance-lifecycle.h"

static const char *const adjectives[] = {
	"able",	   "amused", "apt",    "bold",	  "brave",  "bright", "calm",	"clever", "cosmic",
	"crisp",   "curious", "daring", "eager",  "easy",   "fair",   "fancy",	"fast",	  "fine",
	"fluent",  "frank",  "free",   "fresh",	  "gentle", "glad",   "golden", "grand",  "happy",
	"hardy",   "honest", "humble", "ideal",	  "jolly",  "keen",   "kind",	"lively", "loyal",
	"lucky",   "merry",  "mighty", "modest",  "neat",   "nice",   "noble",	"open",	  "patient",
	"polite",  "proud",  "quick",  "quiet",	  "rapid",  "ready",  "robust", "sharp",  "shy",
	"smart",   "smooth", "solid",  "steady",  "sunny",  "super",  "sweet",	"tidy",	  "upbeat",
	"vital",   "warm",   "wise",   "witty",	  "young",  "zesty",
};

static const char *const animals[] = {
	"badger",  "bat",     "bear",	 "beaver",  "bee",     "bison",	  "boar",    "bobcat",
	"buffalo", "camel",   "cat",	 "cobra",   "cougar",  "coyote",  "crab",    "crane",
	"deer",	   "dingo",   "dodo",	 "dog",	    "dolphin", "donkey",  "dove",    "duck",
	"eagle",   "eel",     "elk",	 "falcon",  "ferret",  "finch",	  "fox",     "frog",
	"gazelle", "gecko",   "goat",	 "goose",   "gull",    "hare",	  "hawk",    "heron",
	"horse",   "hound",   "ibex",	 "jackal",  "jaguar",  "koala",	  "lamb",    "lark",
	"lemur",   "lion",    "llama",	 "lynx",    "marmot",  "mink",	  "mole",    "moose",
	"mouse",   "newt",    "orca",	 "otter",   "owl",     "panda",	  "parrot",  "pelican",
	"pigeon",  "puma",    "quail",	 "rabbit",  "raven",   "seal",	  "shark",   "sheep",
	"skunk",   "sloth",   "snail",	 "sparrow", "squid",   "stork",	  "swan",    "tiger",
	"toad",	   "trout",   "turtle",	 "viper",   "walrus",  "weasel",  "whale",   "wolf",
	"wombat",  "yak",     "zebra",
};

static unsigned random_below(unsigned n)
{
	unsigned v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (unsigned)rand();
	return v % n;
}

int instance_pick_name(char **ret, struct cove_error *err)
{
	for (int i = 0; i < 100; i++) {
		struct db_instance existing = { 0 };
		char *name = xasprintf("%s-%s", adjectives[random_below(ELEMENTSOF(adjectives))],
				       animals[random_below(ELEMENTSOF(animals))]);

		if (db_instance_get(the_daemon->db, name, &existing, NULL) < 0) {
			*ret = name;
			return 0;
		}
		db_instance_clear(&existing);
		free(name);
	}
	return cove_err(err, -EEXIST, "Couldn't generate a new unique name after 100 tries");
}
