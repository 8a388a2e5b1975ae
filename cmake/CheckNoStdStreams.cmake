# cmake -DNM=<nm> -DBINARY=<file> -P CheckNoStdStreams.cmake
# Fails when BINARY (built with NO_STD_STREAMS: its std::ios_base::Init never runs) has a standard
# stream object (std::cout, std::cerr, std::clog, std::cin or a wide one) linked in: something in
# it uses one, and that stream would be used unconstructed.
execute_process(COMMAND "${NM}" "${BINARY}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "CheckNoStdStreams: `${NM} ${BINARY}` failed (${rc})")
endif()
string(REGEX MATCHALL "[ \t][BDdb] _ZSt[0-9]+w?(cout|cerr|clog|cin)\n" found "${symbols}")
if(found)
  string(REPLACE "\n" "" found "${found}")
  message(FATAL_ERROR "${BINARY} links a standard stream (${found}), but it is built with NO_STD_STREAMS, "
                      "which skips their construction (src/startup/no_std_streams.cpp): write with "
                      "os/log functions instead, or drop NO_STD_STREAMS")
endif()
