/* placeholder: written by the config-source work */
typedef int nst_jsonsrc_placeholder;
