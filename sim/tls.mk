# sim/tls.mk - Makefile fragment: the simulator's TLS files.
#
# `include sim/tls.mk` from the root Makefile and add $(SIM_TLS) to `all`
# (and before `test`): it writes build/tls/{ca.pem,server.pem,server.key}
# with sim/gen_tls.sh (openssl CLI). One set for every build directory,
# because clients are pointed at build/tls/ca.pem.
SIM_TLS := build/tls/server.pem

$(SIM_TLS): sim/gen_tls.sh
	$(say) TLS build/tls
	$(Q)sim/gen_tls.sh build/tls
